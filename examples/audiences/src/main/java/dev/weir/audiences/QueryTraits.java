package dev.weir.audiences;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * Reads users' traits from a running job through Flink's queryable-state proxy (the job runs
 * with --queryable-traits NAME on Flink 1.x, the TaskManagers with queryable-state.enable).
 *
 * <p>Prints one line per user: the same JSON as the job's trait snapshots, so the audit compares
 * it with its reference; a user without state yet gets {"userId":..., "missing":true}. Exits 1 on
 * any other failure (the proxy unreachable, the job or state name unknown), with the cause.
 *
 * <p>Usage: QueryTraits --host H --port P --job JOB_ID --name NAME --users u1,u2,...
 */
public final class QueryTraits {
    private QueryTraits() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        String host = p.getRequired("host");
        int port = p.getInt("port", 9069);
        JobID job = JobID.fromHexString(p.getRequired("job"));
        String name = p.get("name", "traits");
        String[] users = p.getRequired("users").split(",");
        QueryableStateClient client = new QueryableStateClient(host, port);
        int failed = 0;
        try {
            for (String user : users) {
                CompletableFuture<ValueState<UserTraits>> f = client.getKvState(
                        job, name, user, BasicTypeInfo.STRING_TYPE_INFO, TraitsFunction.traitsDescriptor());
                try {
                    UserTraits t = f.get(30, TimeUnit.SECONDS).value();
                    System.out.println(t == null ? missing(user) : t.snapshotJson(user));
                } catch (ExecutionException e) {
                    if (isUnknownKey(e.getCause())) {
                        System.out.println(missing(user));
                        continue;
                    }
                    System.err.println("querying " + user + ": " + e.getCause());
                    failed++;
                }
            }
        } finally {
            client.shutdownAndWait();
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    private static String missing(String user) {
        return "{\"userId\":\"" + user + "\",\"missing\":true}";
    }

    // The proxy wraps the state server's UnknownKeyOrNamespaceException in a RuntimeException
    // that carries only its message.
    private static boolean isUnknownKey(Throwable t) {
        for (; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t.getClass().getSimpleName().equals("UnknownKeyOrNamespaceException") || m.contains("UnknownKeyOrNamespaceException")) {
                return true;
            }
        }
        return false;
    }
}
