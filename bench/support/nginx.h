/*
 * nginx.h: the ceiling several benches measure against, a static answer from nginx (Debian's
 * nginx-light, installed by make deps) on loopback.
 */
#ifndef SEAM_BENCH_NGINX_H
#define SEAM_BENCH_NGINX_H

#include <sys/types.h>

/* Starts nginx in the foreground on 127.0.0.1:port, with its config, pid file and temp
 * directories under dir, answering every request with 200 and body (a JSON text, no single
 * quotes); its output goes to dir/nginx.out. Returns its pid (stop it with th_stop), or -1. */
pid_t bench_nginx_start(const char *dir, int port, const char *body);

#endif
