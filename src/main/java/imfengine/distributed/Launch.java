package imfengine.distributed;

import java.util.Map;

/**
 * How this process was started: by {@code mpirun} (Open MPI sets {@code OMPI_COMM_WORLD_SIZE} in each rank's
 * environment) or on its own. On its own nothing of MPI is loaded, so a machine without Open MPI trains as before.
 */
public final class Launch {
    private Launch() {}

    /** Whether {@code env} is that of a rank started by Open MPI's {@code mpirun}. */
    public static boolean underMpirun(Map<String, String> env) { return env.containsKey("OMPI_COMM_WORLD_SIZE"); }

    /** This process's rank among those of {@code mpirun} on its machine (which GPU it takes); 0 when started alone. */
    public static int localRank() {
        String r = System.getenv("OMPI_COMM_WORLD_LOCAL_RANK");
        try {
            return r == null ? 0 : Integer.parseInt(r.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The process group of this process: {@link ProcessGroup#single()} when not started by {@code mpirun},
     * else every rank of the job after {@code MPI_Init}. Throws {@link IllegalStateException} with one line
     * when Open MPI's library is missing.
     */
    public static ProcessGroup processGroup() {
        if (!underMpirun(System.getenv())) return ProcessGroup.single();
        return new MpiProcessGroup(Mpi.open());
    }
}
