/* What the HotSpot peers share, as peer.h does for the Boehm GC peers:
 * argument parsing, pause timing, and the one-line JSON RunRecord that
 * gcbench reads. Pauses come from GarbageCollectorMXBean notifications, so
 * they have the millisecond precision HotSpot reports (GcInfo durations are
 * whole ms): a sub-millisecond young pause counts as 0, and medians and
 * percentiles are in ms steps. Totals are cross-checked against
 * getCollectionTime() (mxCollectionSeconds, an extra field RunRecord ignores). */
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

final class PeerReport {
    private static String barrier;
    private static final List<Double> minorPauses = new ArrayList<>();
    private static final List<Double> majorPauses = new ArrayList<>();
    private static int notifications;
    private static List<GarbageCollectorMXBean> beans;
    private static long countStart, timeStart, cpuStart, wallStart;

    private PeerReport() {}

    /* The workload sizes (all or none, positive), then the barrier name; on
     * anything else a usage line and exit 2. */
    static int[] parse(String[] args, String usage, int... defaults) {
        int k = defaults.length;
        if (args.length != 1 && args.length != k + 1) usage(usage);
        barrier = args[args.length - 1];
        if (barrier.isEmpty() || Character.isDigit(barrier.charAt(0))) usage(usage);
        int[] sizes = defaults.clone();
        for (int i = 0; i + 1 < args.length; i++) {
            try { sizes[i] = Integer.parseInt(args[i]); } catch (NumberFormatException e) { usage(usage); }
            if (sizes[i] <= 0) usage(usage);
        }
        return sizes;
    }

    private static void usage(String usage) {
        System.err.println("usage: " + usage);
        System.exit(2);
    }

    static void fail(String message) {
        System.err.println("validation failed: " + message);
        System.exit(1);
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean b : beans) n += Math.max(0, b.getCollectionCount());
        return n;
    }

    private static long collectionMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : beans) n += Math.max(0, b.getCollectionTime());
        return n;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /* Listens for collections and starts the clocks; call right before the workload. */
    static void start() {
        beans = ManagementFactory.getGarbageCollectorMXBeans();
        for (GarbageCollectorMXBean b : beans) {
            ((NotificationEmitter) b).addNotificationListener((n, hb) -> {
                if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                String action = info.getGcAction();
                double seconds = info.getGcInfo().getDuration() / 1000.0;
                synchronized (PeerReport.class) {
                    notifications++;
                    if (action.toLowerCase(Locale.ROOT).contains("concurrent")) return;   // not a pause
                    (action.equals("end of minor GC") ? minorPauses : majorPauses).add(seconds);
                }
            }, null, null);
        }
        countStart = collections();
        timeStart = collectionMillis();
        cpuStart = cpuNanos();
        wallStart = System.nanoTime();
    }

    /* The same rank as gcbench's percentile: the ceil(n p)-th smallest. */
    private static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) return 0;
        int i = (int) (p * sorted.size() + 0.999999) - 1;
        return sorted.get(Math.max(i, 0));
    }

    private static long peakRSS() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (Exception e) { /* not Linux: report 0 */ }
        return 0;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String f(double x) { return String.format(Locale.ROOT, "%.6f", x); }

    /* Stops the clocks, waits (at most 1 s) for the collections' notifications,
     * and prints the record. */
    static void report(String workload, String parameters, String summary) {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double cpu = (cpuNanos() - cpuStart) / 1e9;
        long expected = collections() - countStart;
        for (int waited = 0; waited < 100; waited++) {
            synchronized (PeerReport.class) { if (notifications >= expected) break; }
            try { Thread.sleep(10); } catch (InterruptedException e) { break; }
        }
        double mxSeconds = (collectionMillis() - timeStart) / 1000.0;
        List<Double> minor, major;
        synchronized (PeerReport.class) {
            minor = new ArrayList<>(minorPauses);
            major = new ArrayList<>(majorPauses);
        }
        Collections.sort(minor);
        Collections.sort(major);
        double minorSeconds = 0, majorSeconds = 0;
        for (double x : minor) minorSeconds += x;
        for (double x : major) majorSeconds += x;
        List<String> names = new ArrayList<>();
        for (GarbageCollectorMXBean b : beans) names.add(b.getName());
        System.out.println("{\"workload\":" + quote(workload) + ",\"barrier\":" + quote(barrier)
            + ",\"parameters\":" + quote(parameters) + ",\"summary\":" + quote(summary)
            + ",\"repetitions\":1,\"wallSeconds\":" + f(wall) + ",\"cpuSeconds\":" + f(cpu)
            + ",\"mutatorSeconds\":" + f(wall - minorSeconds - majorSeconds)
            + ",\"minorSeconds\":" + f(minorSeconds) + ",\"majorSeconds\":" + f(majorSeconds)
            + ",\"minorPauseMedianSeconds\":" + f(percentile(minor, 0.5))
            + ",\"minorPauseP95Seconds\":" + f(percentile(minor, 0.95))
            + ",\"minorPauseMaxSeconds\":" + f(percentile(minor, 1.0))
            + ",\"minorPauseP99Seconds\":" + f(percentile(minor, 0.99))
            + ",\"minorCollections\":" + minor.size() + ",\"majorCollections\":" + major.size()
            + ",\"majorPauseMaxSeconds\":" + f(percentile(major, 1.0))
            + ",\"dirtyPages\":0,\"dirtyCards\":0,\"scanCalls\":0,\"writeFaults\":0"
            + ",\"peakRSSBytes\":" + peakRSS() + ",\"promotedBytes\":0"
            + ",\"heapLimitBytes\":" + Runtime.getRuntime().maxMemory()
            + ",\"gcName\":" + quote(String.join("+", names))
            + ",\"mxCollectionSeconds\":" + f(mxSeconds) + "}");
    }
}
