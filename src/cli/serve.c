/* doorstep serve */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../app.h"
#include "../audit/audit.h"
#include "../auth/auth.h"
#include "../core/config.h"
#include "../core/log.h"
#include "../core/parse.h"
#include "../http/server.h"
#include "cli.h"
#include "../core/banned.h"

int cmd_serve(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"key", required_argument, NULL, 'k'},
	    {"listen", required_argument, NULL, 'l'},
	    {"web", required_argument, NULL, 'w'},
	    {"threads", required_argument, NULL, 't'},
	    {"trust-proxy", no_argument, NULL, 'p'},
	    {"set", required_argument, NULL, 's'},
	    {"log-level", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = NULL, *key = NULL, *listen = NULL;
	struct server_opts o = {0};
	char host[64];
	int64_t n;
	int c;
	if (help_wanted("serve", argc, argv)) {
		config_print_help(stdout);
		return 0;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'w':
			o.web = optarg;
			break;
		case 'p':
			o.trust_proxy = true;
			break;
		case 't':
			if (!parse_i64z(optarg, 1, 64, &n))
				return usage("serve");
			o.threads = (int)n;
			break;
		case 's':
			if (!config_set_arg(optarg))
				return EXIT_USAGE;
			break;
		case 'v':
			if (strcmp(optarg, "debug") == 0)
				log_set_level(LOG_DEBUG);
			else if (strcmp(optarg, "info") == 0)
				log_set_level(LOG_INFO);
			else if (strcmp(optarg, "warn") == 0)
				log_set_level(LOG_WARN);
			else
				return usage("serve");
			break;
		default:
			return usage("serve");
		}
	}
	if (optind != argc || db_path == NULL || listen == NULL)
		return usage("serve");
	/* HOST:PORT, or [V6]:PORT */
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || !parse_i64z(colon + 1, 0, 65535, &n))
		return usage("serve");
	const char *h = listen;
	size_t hl = (size_t)(colon - listen);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return usage("serve");
	memcpy(host, h, hl);
	host[hl] = '\0';
	o.host = host;
	o.port = (uint16_t)n;
	password_init();
	struct db *db = app_open(db_path, key);
	/* Settings are changed only at start-up; each change is on the record. */
	for (int i = 0; i < CFG_COUNT; i++) {
		if (!config_changed((enum config_id)i))
			continue;
		char value[64];
		snprintf(
		    value, sizeof(value), "%s=%lld", config_table[i].name, (long long)config_get((enum config_id)i));
		audit_append(db, 0, "cli", "local", "settings.set", config_table[i].name, AUDIT_SUCCESS, value);
	}
	db_close(db);
	return server_run(&o);
}
