/*
 * action_link — prints a signed action link (tracker/actionlink.h) for the e2e tests:
 *   action_link SECRET_FILE BASE_URL ACTION ITEM EXPIRY_UNIX_SECONDS
 * The reminder e-mails will make theirs with the same action_link_make().
 */
#include <stdio.h>
#include <stdlib.h>

#include "actionlink.h"

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: action_link SECRET_FILE BASE_URL ACTION ITEM EXPIRY\n");
		return 2;
	}
	struct action_secret s;
	struct error err;
	struct buf out;
	error_init(&err);
	buf_init(&out, 8192);
	if (action_secret_load(argv[1], &s, &err) < 0 ||
	    action_link_make(&s, argv[2], argv[3], argv[4], strtoll(argv[5], NULL, 10), &out, &err) < 0) {
		fprintf(stderr, "action_link: %s\n", err.msg);
		return 1;
	}
	printf("%s\n", buf_cstr(&out));
	buf_release(&out);
	action_secret_wipe(&s);
	return 0;
}
