/*
 * Kernel floor of a push fan-out on this machine, with no runtime in the way: one process
 * writes a frame of `size` bytes to each of `n` loopback TCP sockets (from `senders` threads),
 * a forked reader waits on all the other ends with epoll and records when each arrives.
 * Prints one JSON line: latency percentiles from the first write to each arrival, and how long
 * the writing loop took.
 *
 *   cc -O2 -pthread -o fanout-floor fanout-floor.c && ./fanout-floor [n=2000] [senders=1] [rounds=30] [size=500]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

struct slice {
  int *fds;
  int from, to;
  const char *frame;
  size_t size;
};

static void *write_slice(void *arg) {
  struct slice *s = arg;
  for (int i = s->from; i < s->to; i++)
    if (write(s->fds[i], s->frame, s->size) != (ssize_t)s->size) die("write");
  return NULL;
}

static void read_all(int fd, void *buf, size_t len) {
  if (read(fd, buf, len) != (ssize_t)len) die("pipe read");
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int senders = argc > 2 ? atoi(argv[2]) : 1;
  int rounds = argc > 3 ? atoi(argv[3]) : 30;
  size_t size = argc > 4 ? (size_t)atoi(argv[4]) : 500;
  if (n < 1 || senders < 1 || senders > 16 || rounds < 1 || size < 1 || size > 4096) {
    fprintf(stderr, "usage: fanout-floor [n] [senders 1-16] [rounds] [size 1-4096]\n");
    return 2;
  }

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t addr_len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 4096) ||
      getsockname(listener, (struct sockaddr *)&addr, &addr_len))
    die("listen");

  int *server_ends = calloc(n, sizeof(int)), *client_ends = calloc(n, sizeof(int));
  int one = 1;
  for (int i = 0; i < n; i++) {
    client_ends[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client_ends[i], (struct sockaddr *)&addr, sizeof addr)) die("connect");
    server_ends[i] = accept(listener, NULL, NULL);
    if (server_ends[i] < 0) die("accept");
    setsockopt(server_ends[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  int start_pipe[2], done_pipe[2];
  if (pipe(start_pipe) || pipe(done_pipe)) die("pipe");
  pid_t reader = fork();
  if (reader < 0) die("fork");
  if (reader == 0) {
    int ep = epoll_create1(0);
    for (int i = 0; i < n; i++) {
      struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, client_ends[i], &e)) die("epoll_ctl");
    }
    double *latency = calloc((size_t)n * rounds, sizeof(double));
    size_t count = 0;
    struct epoll_event events[256];
    char buf[8192];
    for (int r = 0; r < rounds; r++) {
      double t0;
      read_all(start_pipe[0], &t0, sizeof t0);
      size_t wanted = size * (size_t)n, got = 0;
      while (got < wanted) {
        int ready = epoll_wait(ep, events, 256, -1);
        double at = now_ms();
        for (int j = 0; j < ready; j++) {
          ssize_t k = read(client_ends[events[j].data.u32], buf, sizeof buf);
          if (k <= 0) die("socket read");
          got += (size_t)k;
          latency[count++] = at - t0;
        }
      }
      if (write(done_pipe[1], "x", 1) != 1) die("pipe write");
    }
    qsort(latency, count, sizeof(double), by_value);
    printf("{\"subscribers\":%d,\"senders\":%d,\"rounds\":%d,\"frameBytes\":%zu,\"latencyMs\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},",
           n, senders, rounds, size, latency[count / 2], latency[count * 9 / 10], latency[count * 99 / 100], latency[count - 1]);
    fflush(stdout);
    _exit(0);
  }

  char *frame = malloc(size);
  memset(frame, 'x', size);
  double *loop = calloc(rounds, sizeof(double));
  struct slice slices[16];
  pthread_t threads[16];
  for (int r = 0; r < rounds; r++) {
    usleep(100000);
    double t0 = now_ms();
    if (write(start_pipe[1], &t0, sizeof t0) != sizeof t0) die("pipe write");
    for (int s = 0; s < senders; s++) {
      slices[s] = (struct slice){server_ends, n * s / senders, n * (s + 1) / senders, frame, size};
      if (s > 0 && pthread_create(&threads[s], NULL, write_slice, &slices[s])) die("pthread_create");
    }
    write_slice(&slices[0]);
    for (int s = 1; s < senders; s++) pthread_join(threads[s], NULL);
    loop[r] = now_ms() - t0;
    char c;
    read_all(done_pipe[0], &c, 1);
  }
  waitpid(reader, NULL, 0);
  qsort(loop, rounds, sizeof(double), by_value);
  printf("\"writeLoopMs\":{\"p50\":%.2f,\"max\":%.2f}}\n", loop[rounds / 2], loop[rounds - 1]);
  return 0;
}
