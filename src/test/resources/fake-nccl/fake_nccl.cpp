// A fake libnccl.so.2 for tests without a GPU (FakeNccl builds it with g++). It checks what the engine passes
// (the unique id by value, the communicator, float32, sum or avg, the stream) and reduces host memory, which is
// what an emulated device's addresses are: for 1 rank in place, for several ranks with MPI_Allreduce of the
// Open MPI that the engine has already loaded with RTLD_GLOBAL (so ranks started by mpirun really sum).
// Not NCCL: no GPU, no rings; only the calls the engine makes, with NCCL's signatures and result codes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>

namespace {
const int kSuccess = 0, kSystemError = 2, kInvalidArgument = 4;
const int kFloat32 = 7, kSum = 0;
const char kMagic[8] = {'F', 'A', 'K', 'E', 'N', 'C', 'C', 'L'};
struct Comm { uint64_t magic; int nranks, rank; };
const uint64_t kCommMagic = 0x6e63636c636f6d6dULL;

char error[512];
int64_t last[8];  // the last all-reduce: send, recv, count, datatype, op, stream, nranks, calls so far
int64_t calls, live;
void* expectedStream = nullptr;

int fail(const char* what) {
  std::snprintf(error, sizeof error, "invalid argument (fake libnccl: %s)", what);
  return kInvalidArgument;
}

// MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm) of the Open MPI already loaded; handles are symbols
typedef int (*Allreduce)(const void*, void*, int, void*, void*, void*);
int mpiAllreduce(const void* send, void* recv, int count, const char* type, const char* op) {
  Allreduce f = (Allreduce) dlsym(RTLD_DEFAULT, "MPI_Allreduce");
  void* t = dlsym(RTLD_DEFAULT, type);
  void* o = dlsym(RTLD_DEFAULT, op);
  void* w = dlsym(RTLD_DEFAULT, "ompi_mpi_comm_world");
  if (!f || !t || !o || !w) {
    std::snprintf(error, sizeof error, "system error (fake libnccl: no Open MPI loaded to reduce over several ranks)");
    return kSystemError;
  }
  return f(send, recv, count, t, o, w) == 0 ? kSuccess : kSystemError;
}
}  // namespace

extern "C" {
typedef struct { char internal[128]; } ncclUniqueId;

int ncclGetVersion(int* version) {
  if (!version) return fail("ncclGetVersion(NULL)");
  *version = 22703;
  return kSuccess;
}

// the id: the magic, this process's pid, then a pattern; ncclCommInitRank checks all three
int ncclGetUniqueId(ncclUniqueId* id) {
  if (!id) return fail("ncclGetUniqueId(NULL)");
  std::memcpy(id->internal, kMagic, 8);
  int32_t pid = (int32_t) getpid();
  std::memcpy(id->internal + 8, &pid, 4);
  for (int i = 12; i < 128; i++) id->internal[i] = (char) (i * 7);
  return kSuccess;
}

int ncclCommInitRank(Comm** comm, int nranks, ncclUniqueId id, int rank) {
  if (!comm) return fail("ncclCommInitRank: comm is NULL");
  if (nranks < 1 || rank < 0 || rank >= nranks) return fail("ncclCommInitRank: rank out of range");
  if (std::memcmp(id.internal, kMagic, 8) != 0) return fail("ncclCommInitRank: not an id of ncclGetUniqueId (passed by pointer?)");
  for (int i = 12; i < 128; i++)
    if (id.internal[i] != (char) (i * 7)) return fail("ncclCommInitRank: the id's bytes were changed");
  if (nranks > 1) {  // every rank must hold rank 0's id: the largest and smallest creator pid agree
    int32_t pid, hi, lo;
    std::memcpy(&pid, id.internal + 8, 4);
    int r = mpiAllreduce(&pid, &hi, 1, "ompi_mpi_int", "ompi_mpi_op_max");
    if (r == kSuccess) r = mpiAllreduce(&pid, &lo, 1, "ompi_mpi_int", "ompi_mpi_op_min");
    if (r != kSuccess) return r;
    if (hi != lo) return fail("ncclCommInitRank: the ranks hold different unique ids");
  }
  const char* s = std::getenv("FAKE_NCCL_STREAM");
  expectedStream = s ? (void*) (intptr_t) std::strtoll(s, nullptr, 0) : nullptr;
  *comm = new Comm{kCommMagic, nranks, rank};
  live++;
  return kSuccess;
}

int ncclAllReduce(const void* send, void* recv, size_t count, int datatype, int op, Comm* comm, void* stream) {
  if (!comm || comm->magic != kCommMagic) return fail("ncclAllReduce: not a live communicator");
  if (datatype != kFloat32) return fail("ncclAllReduce: datatype is not ncclFloat32");
  if (op != kSum) return fail("ncclAllReduce: op is not ncclSum");
  if (stream != expectedStream) return fail("ncclAllReduce: not the expected stream");
  if (!send || !recv) return fail("ncclAllReduce: NULL buffer");
  if (count > 0x7fffffff) return fail("ncclAllReduce: count too large for this fake");
  calls++;
  int64_t v[] = {(int64_t) (intptr_t) send, (int64_t) (intptr_t) recv, (int64_t) count, datatype, op,
                 (int64_t) (intptr_t) stream, comm->nranks, calls};
  std::memcpy(last, v, sizeof v);
  if (comm->nranks > 1) {
    int r = mpiAllreduce(send == recv ? (const void*) 1 /* MPI_IN_PLACE */ : send, recv, (int) count, "ompi_mpi_float", "ompi_mpi_op_sum");
    if (r != kSuccess) return r;
  } else if (send != recv) {
    std::memmove(recv, send, count * sizeof(float));
  }
  return kSuccess;
}

int ncclCommDestroy(Comm* comm) {
  if (!comm || comm->magic != kCommMagic) return fail("ncclCommDestroy: not a live communicator");
  comm->magic = 0;
  delete comm;
  live--;
  return kSuccess;
}

const char* ncclGetErrorString(int result) {
  if (result == kSuccess) return "no error";
  return error[0] ? error : "unhandled error";
}

// for the tests: the last all-reduce's arguments, and the communicators not destroyed
const int64_t* fake_nccl_last() { return last; }
int64_t fake_nccl_live() { return live; }
}
