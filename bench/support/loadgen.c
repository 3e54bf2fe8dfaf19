/* loadgen.c: see loadgen.h. */
#include "bench/support/loadgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct conn {
	int fd;
	size_t req;            /* index in reqs */
	size_t sent;
	char buf[65536];
	size_t got;
	int64_t start_ns;
	int busy;
} conn_t;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double lg_median(const double *v, int n)
{
	double *c = malloc((size_t)n * sizeof *c);
	memcpy(c, v, (size_t)n * sizeof *c);
	qsort(c, (size_t)n, sizeof *c, cmp_double);
	double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/* Returns the full response length when buf holds one, else 0. Sets *status. */
static size_t response_len(const char *buf, size_t got, int *status)
{
	const char *end = memmem(buf, got, "\r\n\r\n", 4);
	if (!end)
		return 0;
	size_t head = (size_t)(end - buf) + 4, body = 0;
	*status = atoi(buf + 9);
	for (const char *p = buf; p < end;) {
		const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
		if (!eol)
			break;
		if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			body = strtoul(p + 15, NULL, 10);
		p = eol + 2;
	}
	return got >= head + body ? head + body : 0;
}

/* Writes the whole request (a few KB fits the socket buffer; poll covers the rare rest). */
static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 1000);
		} else {
			return -1;
		}
	}
	return 0;
}

typedef struct run {
	const lg_opts_t *o;
	int ep;
	size_t next;
	int64_t deadline;
	int active;
	lg_result_t *r;
} run_t;

static void add(run_t *R, conn_t *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	epoll_ctl(R->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Sends the next request on c, unless the run is over. */
static void start(run_t *R, conn_t *c)
{
	for (int tries = 0; tries < 3; tries++) {
		if (now_ns() >= R->deadline || R->next >= R->o->nreqs)
			return;
		if (c->fd < 0) {
			c->fd = dial(R->o->port);
			if (c->fd < 0)
				return;
			add(R, c);
		}
		c->req = R->next++;
		c->got = 0;
		c->start_ns = now_ns();
		if (send_all(c->fd, R->o->reqs[c->req], R->o->lens[c->req]) == 0) {
			c->busy = 1;
			R->active++;
			return;
		}
		R->r->errors++;
		epoll_ctl(R->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
}

int lg_run(const lg_opts_t *o, lg_result_t *r)
{
	conn_t *cs = calloc((size_t)o->conns, sizeof *cs);
	double *lat = malloc(o->nreqs * sizeof *lat);
	size_t nlat = 0;
	int64_t t0 = now_ns();
	run_t R = {.o = o, .ep = epoll_create1(0), .deadline = t0 + o->duration_ms * 1000000, .r = r};

	memset(r, 0, sizeof *r);
	for (int i = 0; i < o->conns; i++) {
		cs[i].fd = dial(o->port);
		if (cs[i].fd < 0) {
			fprintf(stderr, "loadgen: cannot connect to 127.0.0.1:%d\n", o->port);
			return -1;
		}
		add(&R, &cs[i]);
	}
	for (int i = 0; i < o->conns; i++)
		start(&R, &cs[i]);
	while (R.active > 0) {
		struct epoll_event evs[128];
		int n = epoll_wait(R.ep, evs, 128, 1000);
		for (int i = 0; i < n; i++) {
			conn_t *c = evs[i].data.ptr;
			ssize_t rd = read(c->fd, c->buf + c->got, sizeof c->buf - c->got);
			if (rd < 0 && errno == EAGAIN)
				continue;
			if (rd <= 0) {
				r->errors++;
				if (c->busy) {
					c->busy = 0;
					R.active--;
				}
				epoll_ctl(R.ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				start(&R, c);
				continue;
			}
			c->got += (size_t)rd;
			int status = 0;
			if (!response_len(c->buf, c->got, &status))
				continue;
			lat[nlat++] = (double)(now_ns() - c->start_ns) / 1e6;
			r->done++;
			if (status >= 200 && status < 300)
				r->ok2xx++;
			else
				r->other++;
			c->busy = 0;
			R.active--;
			start(&R, c);
		}
	}
	r->seconds = (double)(now_ns() - t0) / 1e9;
	r->rps = (double)r->ok2xx / r->seconds;
	if (nlat) {
		qsort(lat, nlat, sizeof *lat, cmp_double);
		r->p50_ms = lat[nlat / 2];
		r->p99_ms = lat[(size_t)((double)nlat * 0.99)];
	}
	for (int i = 0; i < o->conns; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	close(R.ep);
	free(cs);
	free(lat);
	return 0;
}
