/*
 * app.c - an application that migrates its own database at start-up, the
 * way sqlx users call `migrate!().run(pool)`. Copy it as a starting point.
 *
 * Build (see README "Embedding migc in your application"):
 *
 *   migc build migrations -o migrations.c
 *   cc $(pkg-config --cflags migc) app.c migrations.c \
 *      $(pkg-config --libs migc) -o app
 *
 * (links SQLite the way `migc build --binary` does: statically when
 * libsqlite3.a was there when migc was built; else -lsqlite3 -pthread.)
 *
 * libpq is not linked: the runtime loads it when a PostgreSQL URL is used.
 *
 * The bundle defines `migc_embedded_bundle` (migc build --symbol NAME picks
 * another name); no SQL file is read at run time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <migc.h>

extern const struct migc_bundle migc_embedded_bundle;

/* Print each migration as it is applied. */
static void on_event(const migc_event *ev, void *ctx)
{
	(void)ctx;
	if (ev->type == MIGC_EVENT_DONE)
		fprintf(stderr, "app: applied %s (%lld ms)\n",
			ev->migration->filename, ev->duration_ms);
	else if (ev->type == MIGC_EVENT_WARNING && ev->message)
		fprintf(stderr, "app: warning: %s\n", ev->message);
}

int main(void)
{
	const char *url = getenv("DATABASE_URL");
	migc_options opts;
	migc_error err;
	int rc;

	if (!url) {
		fprintf(stderr, "app: DATABASE_URL is not set\n");
		return 2;
	}
	migc_options_init(&opts, MIGC_OPTIONS_VERSION);
	opts.on_event = on_event;
	rc = migc_run(&migc_embedded_bundle, url, &opts, &err);
	if (rc) {
		fprintf(stderr, "app: migrations failed: %s\n", err.message);
		if (err.hint[0])
			fprintf(stderr, "hint: %s\n", err.hint);
		return migc_exit_code(rc);
	}
	printf("app: database is ready; serving\n");
	return 0;
}
