package dev.weir.audiences;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Declarative audience rules, one per line or separated by ';':
 *
 * <pre>
 *   pro_buyers: count_30d("Order Completed") >= 3 AND prop("plan") == "pro"
 * </pre>
 *
 * Terms: count("E"), count_7d("E"), count_30d("E") compared with an integer (==, !=, <, <=, >, >=);
 * prop("K") compared with a string (==, !=; a missing property is ""). Conditions join with AND.
 * The Go audit (internal/audit/rules.go) parses the same grammar.
 */
public final class Rules implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT =
            "pro_buyers: count_30d(\"Order Completed\") >= 3 AND prop(\"plan\") == \"pro\"\n"
                    + "engaged_7d: count_7d(\"Page Viewed\") >= 5\n"
                    + "cart_abandoners: count_7d(\"Added To Cart\") >= 1 AND count_7d(\"Order Completed\") == 0";

    /** One comparison. */
    public static final class Cond implements Serializable {
        private static final long serialVersionUID = 1L;
        final String func; // count, count_7d, count_30d, prop
        final String arg;
        final String op;
        final long num;
        final String str;

        Cond(String func, String arg, String op, long num, String str) {
            this.func = func;
            this.arg = arg;
            this.op = op;
            this.num = num;
            this.str = str;
        }

        boolean eval(UserTraits t) {
            if (func.equals("prop")) {
                String v = t.prop(arg);
                boolean eq = v.equals(str);
                return op.equals("==") ? eq : !eq;
            }
            long v;
            switch (func) {
                case "count": v = t.total(arg); break;
                case "count_7d": v = t.window(arg, 7); break;
                default: v = t.window(arg, 30); break;
            }
            switch (op) {
                case "==": return v == num;
                case "!=": return v != num;
                case "<": return v < num;
                case "<=": return v <= num;
                case ">": return v > num;
                default: return v >= num;
            }
        }
    }

    /** A named conjunction of conditions. */
    public static final class Rule implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String name;
        final List<Cond> conds;

        Rule(String name, List<Cond> conds) {
            this.name = name;
            this.conds = conds;
        }

        public boolean matches(UserTraits t) {
            for (Cond c : conds) {
                if (!c.eval(t)) return false;
            }
            return true;
        }
    }

    public final List<Rule> rules;

    private Rules(List<Rule> rules) {
        this.rules = rules;
    }

    /** Parses rules text; throws IllegalArgumentException naming the offending rule. */
    public static Rules parse(String text) {
        List<Rule> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String raw : text.split("[;\n]")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) continue;
            Rule r;
            try {
                r = new Parser(line).rule();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad audience rule \"" + line + "\": " + e.getMessage()
                        + " (expected e.g. name: count_30d(\"Order Completed\") >= 3 AND prop(\"plan\") == \"pro\")");
            }
            if (!names.add(r.name)) {
                throw new IllegalArgumentException("duplicate audience rule name \"" + r.name + "\"");
            }
            out.add(r);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no audience rules given");
        return new Rules(out);
    }

    /** Recursive-descent parser over one rule line. */
    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Rule rule() {
            String name = ident();
            expect(':');
            List<Cond> conds = new ArrayList<>();
            conds.add(cond());
            while (true) {
                skipWs();
                if (i >= s.length()) break;
                String kw = ident();
                if (!kw.equalsIgnoreCase("AND")) throw new IllegalArgumentException("expected AND, got " + kw);
                conds.add(cond());
            }
            return new Rule(name, conds);
        }

        Cond cond() {
            String func = ident();
            if (!func.equals("count") && !func.equals("count_7d") && !func.equals("count_30d") && !func.equals("prop")) {
                throw new IllegalArgumentException("unknown term " + func + " (want count, count_7d, count_30d or prop)");
            }
            expect('(');
            String arg = string();
            expect(')');
            String op = op();
            if (func.equals("prop")) {
                if (!op.equals("==") && !op.equals("!=")) throw new IllegalArgumentException("prop() compares with == or != only");
                return new Cond(func, arg, op, 0, string());
            }
            return new Cond(func, arg, op, number(), null);
        }

        void skipWs() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        void expect(char c) {
            skipWs();
            if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' at offset " + i);
            i++;
        }

        String ident() {
            skipWs();
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
            if (start == i) throw new IllegalArgumentException("expected a name at offset " + start);
            return s.substring(start, i);
        }

        String string() {
            expect('"');
            int start = i;
            while (i < s.length() && s.charAt(i) != '"') i++;
            if (i >= s.length()) throw new IllegalArgumentException("unterminated string");
            return s.substring(start, i++);
        }

        long number() {
            skipWs();
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (start == i) throw new IllegalArgumentException("expected a non-negative integer at offset " + start);
            return Long.parseLong(s.substring(start, i));
        }

        String op() {
            skipWs();
            for (String o : new String[] {">=", "<=", "==", "!=", ">", "<"}) {
                if (s.startsWith(o, i)) {
                    i += o.length();
                    return o;
                }
            }
            throw new IllegalArgumentException("expected a comparison operator at offset " + i);
        }
    }
}
