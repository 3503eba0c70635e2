/* Start-up tracer for `make startup-order`: preloaded into the desktop app (LD_PRELOAD), it
 * records each function of the app's own binary the first time it runs, in that order.
 *
 * Before the app's code runs, it writes a breakpoint (int3) over the first byte of every function
 * listed in STARTUP_TRACE_FUNCS (one hex address per line, relative to where the binary is
 * loaded). The first call of a function traps; the handler puts the byte back, appends the
 * function's address to STARTUP_TRACE_OUT and resumes it. Each function traps once, so the app
 * runs at close to its normal speed. Only the process whose executable path contains
 * STARTUP_TRACE_EXE is traced; the web view's helpers inherit the preload and are left alone.
 * A profiling tool only: it makes the traced binary's code writable. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

struct breakpoint {
  unsigned long at;
  unsigned char saved;
  volatile int hit;
};

static struct breakpoint *points;
static long count;
static unsigned long base;
static int out = -1;
static struct sigaction previous;

static void write_hex(unsigned long value) {
  char line[17];
  for (int i = 15; i >= 0; i--) {
    line[i] = "0123456789abcdef"[value & 15];
    value >>= 4;
  }
  line[16] = '\n';
  if (write(out, line, sizeof line) != sizeof line) {
    /* Nothing to do from a signal handler; the order file is only the poorer for it. */
  }
}

static void on_trap(int sig, siginfo_t *info, void *context) {
  ucontext_t *uc = context;
  unsigned long at = uc->uc_mcontext.gregs[REG_RIP] - 1;
  long lo = 0, hi = count - 1;
  while (lo <= hi) {
    long mid = lo + (hi - lo) / 2;
    if (points[mid].at == at) {
      /* Two threads may reach the same function at once: one restores and records it. */
      if (__sync_bool_compare_and_swap(&points[mid].hit, 0, 1)) {
        *(volatile unsigned char *)at = points[mid].saved;
        write_hex(at - base);
      }
      uc->uc_mcontext.gregs[REG_RIP] = at;
      return;
    }
    if (points[mid].at < at) lo = mid + 1;
    else hi = mid - 1;
  }
  /* Not one of ours: hand the trap to whoever handled it before. */
  sigaction(SIGTRAP, &previous, NULL);
  (void)sig;
  (void)info;
}

static int by_address(const void *a, const void *b) {
  unsigned long x = ((const struct breakpoint *)a)->at, y = ((const struct breakpoint *)b)->at;
  return x < y ? -1 : x > y;
}

__attribute__((constructor)) static void start_tracing(void) {
  const char *exe_part = getenv("STARTUP_TRACE_EXE");
  const char *funcs = getenv("STARTUP_TRACE_FUNCS");
  const char *out_path = getenv("STARTUP_TRACE_OUT");
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (!exe_part || !funcs || !out_path || n <= 0) return;
  exe[n] = 0;
  if (!strstr(exe, exe_part)) return;

  unsigned long text_lo = 0, text_hi = 0;
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[8192];
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long a, b, offset;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s %lx", &a, &b, perms, &offset) != 4 || !strstr(line, exe)) continue;
    if (offset == 0) base = a;
    if (perms[2] == 'x') text_lo = a, text_hi = b;
  }
  if (maps) fclose(maps);

  FILE *list = fopen(funcs, "r");
  if (!list || !text_lo) return;
  long capacity = 1 << 16;
  points = malloc(capacity * sizeof *points);
  unsigned long address;
  while (fscanf(list, "%lx", &address) == 1) {
    if (base + address < text_lo || base + address >= text_hi) continue;
    if (count == capacity) points = realloc(points, (capacity *= 2) * sizeof *points);
    points[count].at = base + address;
    points[count].hit = 0;
    count++;
  }
  fclose(list);
  qsort(points, count, sizeof *points, by_address);
  /* One breakpoint per address: a second would save the first one's int3 as the original byte. */
  long unique = 0;
  for (long i = 0; i < count; i++)
    if (unique == 0 || points[unique - 1].at != points[i].at) points[unique++] = points[i];
  count = unique;

  out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_trap;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTRAP, &action, &previous);
  /* Writable and executable for the whole run: threads keep running code next to a byte being
   * put back, so the protection never changes once the app runs. */
  mprotect((void *)text_lo, text_hi - text_lo, PROT_READ | PROT_WRITE | PROT_EXEC);
  for (long i = 0; i < count; i++) {
    points[i].saved = *(unsigned char *)points[i].at;
    *(unsigned char *)points[i].at = 0xCC;
  }
  fprintf(stderr, "startup tracer: %ld functions watched\n", count);
}
