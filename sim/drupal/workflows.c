/*
 * workflows.c: the order and payment workflows (states, transitions) and their lookups.
 * Part of the Drupal Commerce double (API: sim/sim_drupal.h); the design notes, what the
 * files share and the locking rule (handlers run under d->mu) are in drupal_int.h.
 */
#include "sim/drupal/drupal_int.h"

#include <string.h>

static const workflow_t workflows[] = {
	{"order_default",
	 {"draft", "completed", "canceled"},
	 {{"place", {"draft"}, "completed"}, {"cancel", {"draft"}, "canceled"}}},
	{"order_default_validation",
	 {"draft", "validation", "completed", "canceled"},
	 {{"place", {"draft"}, "validation"},
	  {"validate", {"validation"}, "completed"},
	  {"cancel", {"draft", "validation"}, "canceled"}}},
	{"order_fulfillment",
	 {"draft", "fulfillment", "completed", "canceled"},
	 {{"place", {"draft"}, "fulfillment"},
	  {"fulfill", {"fulfillment"}, "completed"},
	  {"cancel", {"draft", "fulfillment"}, "canceled"}}},
	{"order_fulfillment_validation",
	 {"draft", "validation", "fulfillment", "completed", "canceled"},
	 {{"place", {"draft"}, "validation"},
	  {"validate", {"validation"}, "fulfillment"},
	  {"fulfill", {"fulfillment"}, "completed"},
	  {"cancel", {"draft", "validation", "fulfillment"}, "canceled"}}},
	{"payment_default",
	 {"new", "authorization", "authorization_voided", "authorization_expired", "completed",
	  "partially_refunded", "refunded"},
	 {{"authorize", {"new"}, "authorization"},
	  {"void", {"authorization"}, "authorization_voided"},
	  {"expire", {"authorization"}, "authorization_expired"},
	  {"authorize_capture", {"new"}, "completed"},
	  {"capture", {"authorization"}, "completed"},
	  {"partially_refund", {"completed"}, "partially_refunded"},
	  {"refund", {"completed", "partially_refunded"}, "refunded"}}},
	{"payment_manual",
	 {"new", "pending", "completed", "partially_refunded", "refunded", "voided"},
	 {{"create", {"new"}, "pending"},
	  {"receive", {"pending", "new"}, "completed"},
	  {"partially_refund", {"completed"}, "partially_refunded"},
	  {"refund", {"completed", "partially_refunded"}, "refunded"},
	  {"void", {"pending"}, "voided"}}},
};

const workflow_t *seam__sim_drupal_workflow_get(const char *id)
{
	for (size_t i = 0; i < sizeof workflows / sizeof *workflows; i++)
		if (!strcmp(workflows[i].id, id))
			return &workflows[i];
	return NULL;
}

int seam__sim_drupal_wf_has_state(const workflow_t *w, const char *s)
{
	for (int i = 0; i < 8 && w->states[i]; i++)
		if (!strcmp(w->states[i], s))
			return 1;
	return 0;
}

/* The transition from -> to, or NULL. */
const transition_t *seam__sim_drupal_wf_find(const workflow_t *w, const char *from, const char *to)
{
	for (int i = 0; i < 8 && w->tr[i].id; i++) {
		if (strcmp(w->tr[i].to, to))
			continue;
		for (int k = 0; k < 4 && w->tr[i].from[k]; k++)
			if (!strcmp(w->tr[i].from[k], from))
				return &w->tr[i];
	}
	return NULL;
}

const transition_t *seam__sim_drupal_wf_by_id(const workflow_t *w, const char *id, const char *from)
{
	for (int i = 0; i < 8 && w->tr[i].id; i++) {
		if (strcmp(w->tr[i].id, id))
			continue;
		for (int k = 0; k < 4 && w->tr[i].from[k]; k++)
			if (!strcmp(w->tr[i].from[k], from))
				return &w->tr[i];
	}
	return NULL;
}
