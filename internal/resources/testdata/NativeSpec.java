// Prints the Kubernetes objects Flink's own native deployer would create for the
// configuration in the directory args[0] (YAML documents separated by "---"). Run with the
// flink-dist jar on the classpath: java -cp flink-dist.jar NativeSpec.java <confDir> <tmTemplate>
import java.io.File;
import org.apache.flink.client.deployment.ClusterSpecification;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptionsInternal;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.kubernetes.KubernetesClusterClientFactory;
import org.apache.flink.kubernetes.configuration.KubernetesConfigOptions;
import org.apache.flink.kubernetes.kubeclient.FlinkPod;
import org.apache.flink.kubernetes.kubeclient.KubernetesJobManagerSpecification;
import org.apache.flink.kubernetes.kubeclient.factory.KubernetesJobManagerFactory;
import org.apache.flink.kubernetes.kubeclient.parameters.KubernetesJobManagerParameters;
import org.apache.flink.kubernetes.shaded.io.fabric8.kubernetes.api.model.HasMetadata;
import org.apache.flink.kubernetes.shaded.io.fabric8.kubernetes.client.utils.Serialization;

public class NativeSpec {
    public static void main(String[] args) throws Exception {
        Configuration conf = GlobalConfiguration.loadConfiguration(args[0]);
        // The client reads log files from its conf dir and the TaskManager template from a
        // local path; the cluster side sees them under /opt/flink.
        conf.set(DeploymentOptionsInternal.CONF_DIR, args[0]);
        conf.set(KubernetesConfigOptions.TASK_MANAGER_POD_TEMPLATE, new File(args[1]).getAbsolutePath());
        ClusterSpecification spec = new KubernetesClusterClientFactory().getClusterSpecification(conf);
        KubernetesJobManagerSpecification jm =
                KubernetesJobManagerFactory.buildKubernetesJobManagerSpecification(
                        new FlinkPod.Builder().build(), new KubernetesJobManagerParameters(conf, spec));
        StringBuilder out = new StringBuilder(Serialization.asYaml(jm.getDeployment()));
        for (HasMetadata r : jm.getAccompanyingResources()) {
            out.append("\n---\n").append(Serialization.asYaml(r));
        }
        System.out.println("=====BEGIN=====");
        System.out.println(out);
    }
}
