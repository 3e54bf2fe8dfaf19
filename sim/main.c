/*
 * main.c: the seam-sim binary's entry (build/seam-sim): config, listeners, the "sim: name url"
 * lines, and a clean stop on SIGTERM/SIGINT (signals are blocked before any thread starts and
 * taken with sigwait, so no handler runs on a pool thread). It is its own binary, beside seam as
 * redis-benchmark beside redis-server, so that the product (build/seam) holds no double that
 * signs webhooks or answers as an upstream; the doubles live in build/libseam-sim.a.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sim/sim.h"
#include "sim/sim_http.h"

static void usage(FILE *f)
{
	fputs("usage: seam-sim [-c sim.yaml] [--help]\n"
	      "\n"
	      "Starts the upstream simulators, each on its own loopback port:\n"
	      "  drupal  Drupal Commerce JSON:API, signed order events, seam_bridge endpoint\n"
	      "  erp     Business Central-like sales orders and items (OAuth2 client credentials)\n"
	      "  pim     Akeneo-like products and product models (OAuth, search_after paging)\n"
	      "  psp     payment provider sending Stripe- and Adyen-signed webhooks\n"
	      "  tax     AvaTax-like tax engine\n"
	      "Prints \"sim: <name> <url>\" per double and runs until SIGTERM or SIGINT.\n"
	      "Every double answers /_sim/calls, /_sim/faults, /_sim/reset (docs/sim.md).\n"
	      "It takes its own config (-c sim.yaml, else built-in defaults), never SEAM_CONFIG,\n"
	      "which names seam.yaml. Exit 2 when the config cannot be used, as seam check;\n"
	      "1 on any other failure (a port in use).\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			path = argv[i] + 9;
		} else {
			fprintf(stderr, "seam-sim: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* Exit codes as seam check's: 2 for a config that cannot be used (unreadable, unknown
	 * keys, bad values: SEAM_CONFIG, which the doubles also give for their own sections), 1
	 * for other failures (a port in use). */
	int rc = 1;
	seam_error_t err = {0};
	seam_sim_config_t *cfg = NULL;
	seam_sim_t *sim = NULL;
	seam_log_t *log = NULL;
	seam_sim_listener_t *ls[16] = {0};
	size_t nls = 0;
	if ((path ? seam_sim_config_load_file(path, &cfg, &err)
		  : seam_sim_config_load_string("{}", "(defaults)", &cfg, &err)) != SEAM_OK) {
		if (err.code != SEAM_NOMEM)
			rc = 2; /* unreadable or not YAML */
		goto out;
	}
	const char *level = json_string_value(json_object_get(seam_sim_config_root(cfg), "log"));
	seam_log_level_e lv = SEAM_LOG_WARN;
	if (level && seam_log_level_parse(level, &lv) != 0) {
		seam_errorf(&err, SEAM_CONFIG, "%s: log: expected debug, info, warn or error",
			    seam_sim_config_name(cfg));
		goto out;
	}
	log = seam_log_create(2, lv);
	seam_sim_opts_t opts = {.log = log};
	if (seam_sim_create(cfg, &opts, &sim, &err) != SEAM_OK)
		goto out;
	for (size_t i = 0; i < seam_sim_count(sim) && nls < 16; i++) {
		if (seam_sim_http_start(seam_sim_at(sim, i), seam_sim_listen_at(sim, i),
					seam_sim_threads_at(sim, i), log, &ls[nls], &err) != SEAM_OK)
			goto out;
		nls++;
	}
	for (size_t i = 0; i < nls; i++)
		printf("sim: %s %s\n", seam_sim_double_name(seam_sim_at(sim, i)),
		       seam_sim_double_base_url(seam_sim_at(sim, i)));
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "seam-sim: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	rc = 0;
out:
	if (rc == 1 && err.code == SEAM_CONFIG)
		rc = 2;
	if (rc != 0)
		fprintf(stderr, "seam-sim: %s\n", err.msg[0] ? err.msg : "failed");
	if (sim)
		seam_sim_stopping(sim);
	for (size_t i = nls; i-- > 0;)
		seam_sim_http_stop(ls[i]);
	seam_sim_destroy(sim);
	seam_sim_config_destroy(cfg);
	seam_log_destroy(log);
	curl_global_cleanup();
	return rc;
}
