/* Small helpers the door-knocking files share (see visits.h). */
#include <string.h>

#include "../core/clock.h"
#include "../platform/area_tree.h"
#include "visits.h"
#include "../core/banned.h"

json_t *visits_time_json(int64_t t)
{
	char buf[32];
	return json_string(clock_format(t, buf, sizeof(buf)));
}

json_t *visits_text_or_null(struct db_stmt *st, int col)
{
	return db_null(st, col) ? json_null() : json_string(db_text(st, col));
}

json_t *visits_user_json(struct db_stmt *st, int col)
{
	return json_pack("{sI ss ss}", "id", (json_int_t)db_int(st, col), "username", db_text(st, col + 1),
	    "display_name", db_text(st, col + 2));
}

json_t *visits_tags_json(unsigned mask, unsigned sensitive_mask, bool sensitive)
{
	json_t *tags = json_array();
	bool hidden = false;
	for (int i = 0; i < CADENCE_NTAGS; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (!sensitive && (sensitive_mask & (1u << i)))
			hidden = true;
		else
			json_array_append_new(tags, json_string(cadence_tags[i]));
	}
	if (hidden)
		json_array_append_new(tags, json_string("sensitive"));
	return tags;
}

unsigned visits_sensitive_mask(struct db *db)
{
	unsigned mask = 0;
	struct db_stmt *st = db_stmt(db, "SELECT id FROM tags WHERE sensitive = 1", NULL);
	while (st != NULL && db_step(st) == DB_ROW) {
		int bit = cadence_tag_bit(db_text(st, 0));
		if (bit >= 0)
			mask |= 1u << bit;
	}
	if (st)
		db_reset(st);
	return mask;
}

char *visits_address(struct db *db, struct arena *a, const char *area, const char *unit, const char *room)
{
	const struct area *x = area_find(db, area);
	const char *name = x ? arena_strdup(a, x->short_name) : area;
	if (x != NULL && strcmp(x->kind, "building") == 0 && x->parent != NULL) {
		const struct area *estate = area_find(db, x->parent);
		if (estate != NULL)
			name = arena_printf(a, "%s %s", estate->short_name, name);
	}
	const char *sep = unit[0] != '\0' && room[0] != '\0' ? "-" : "";
	return arena_printf(a, "%s %s%s%s", name, unit, sep, room);
}
