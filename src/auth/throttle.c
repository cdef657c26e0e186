/* Per-address throttle of failed logins, looser than the account lock: it stops
 * one address from trying many accounts. In memory: a restart forgets it, which
 * the account lock (in the database) does not. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/config.h"
#include "auth.h"
#include "../core/banned.h"

#define SLOTS 4096

struct slot {
	char client[48];
	int64_t window_start;
	int failures;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *find(const char *client, int64_t now, bool create)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = client; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	struct slot *s = &slots[h % SLOTS];
	if (strcmp(s->client, client) == 0)
		return s;
	/* A collision evicts the older entry only once its window has passed. */
	if (!create || (s->client[0] != '\0' && now - s->window_start < config_get(CFG_IP_WINDOW)))
		return NULL;
	snprintf(s->client, sizeof(s->client), "%s", client);
	s->window_start = now;
	s->failures = 0;
	return s;
}

int64_t throttle_check(const char *client, int64_t now)
{
	int64_t wait = 0, window = config_get(CFG_IP_WINDOW);
	pthread_mutex_lock(&lock);
	struct slot *s = find(client, now, false);
	if (s != NULL && now - s->window_start < window && s->failures >= config_get(CFG_IP_LOGIN_FAILURES))
		wait = s->window_start + window - now;
	pthread_mutex_unlock(&lock);
	return wait;
}

void throttle_fail(const char *client, int64_t now)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(client, now, true);
	if (s != NULL) {
		if (now - s->window_start >= config_get(CFG_IP_WINDOW)) {
			s->window_start = now;
			s->failures = 0;
		}
		s->failures++;
	}
	pthread_mutex_unlock(&lock);
}
