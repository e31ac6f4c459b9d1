/* An empty program: its run time is the JVM's start-up and shut-down, which
 * gcbench subtracts from (or sets beside) the HotSpot peers' process times.
 * It mirrors no workload and prints nothing. */
public final class Startup {
    public static void main(String[] args) {}
}
