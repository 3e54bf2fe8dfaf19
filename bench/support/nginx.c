/*
 * nginx.c: see nginx.h.
 */
#include "bench/support/nginx.h"

#include <stdio.h>

#include "tests/support/harness.h"

pid_t bench_nginx_start(const char *dir, int port, const char *body)
{
	char conf[4096], path[256], log[300];
	snprintf(conf, sizeof conf,
		 "daemon off;\nworker_processes 2;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log;\n"
		 "events { worker_connections 4096; }\n"
		 "http {\n access_log off;\n client_body_temp_path %s;\n proxy_temp_path %s;\n"
		 " fastcgi_temp_path %s;\n uwsgi_temp_path %s;\n scgi_temp_path %s;\n"
		 " keepalive_requests 1000000;\n"
		 " server { listen 127.0.0.1:%d; location / { client_body_buffer_size 16k;"
		 " return 200 '%s'; } }\n}\n",
		 dir, dir, dir, dir, dir, dir, dir, port, body);
	snprintf(path, sizeof path, "%s/nginx.conf", dir);
	th_write_file(path, conf);
	snprintf(log, sizeof log, "%s/nginx.out", dir);
	char *argv[] = {"/usr/sbin/nginx", "-p", (char *)dir, "-c", path, NULL};
	return th_spawn(argv, log);
}
