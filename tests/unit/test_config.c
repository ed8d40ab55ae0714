/* Unit tests of the configuration table: defaults, YAML loading, errors that name keys. */
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "unit/test.h"

static int load(struct config *c, const char *yaml)
{
	int rc = config_defaults(c);

	return rc ? rc : config_load_text(c, yaml, strlen(yaml), "test.yaml");
}

TEST(config_defaults)
{
	struct config c;

	CHECK_INT(config_defaults(&c), 0);
	CHECK_STR(c.lake_root, "lake");
	CHECK_INT(c.zstd_level, 3);
	CHECK_INT(c.session_gap_ms, 30 * MS_PER_MIN);
	CHECK_INT(c.segment_bytes, 64u << 20);
	CHECK_STR(c.listen, "127.0.0.1:8080");
	CHECK_STR(c.online_backend, "lmdb");
	CHECK(c.access_log);
	CHECK_INT(c.nkeys, 0);
	config_release(&c);
}

TEST(config_load_values)
{
	struct config c;

	CHECK_INT(load(&c, "# comment only\nlake:\n  root: /data/lake\n  zstd_level: 7\n"
			   "events:\n  session_gap: 45m\n  min_ts: 2015-01-01\n"
			   "server:\n  access_log: off\n  max_body: 1MiB\n"
			   "  keys:\n    - name: shop\n      sha256: "
			   "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"
			   "      scopes: [ingest, predict]\n"),
		  0);
	CHECK_STR(c.lake_root, "/data/lake");
	CHECK_INT(c.zstd_level, 7);
	CHECK_INT(c.session_gap_ms, 45 * MS_PER_MIN);
	CHECK_INT(c.min_event_ts, 1420070400000);
	CHECK(!c.access_log);
	CHECK_INT(c.max_body, 1u << 20);
	CHECK_INT(c.nkeys, 1);
	CHECK_STR(c.keys[0].name, "shop");
	CHECK_INT(c.keys[0].sha256[0], 0x2c);
	CHECK_INT(c.keys[0].scopes, SCOPE_INGEST | SCOPE_PREDICT);
	config_release(&c);
	CHECK_INT(load(&c, ""), 0); /* an empty file is all defaults */
	CHECK_INT(c.zstd_level, 3);
	config_release(&c);
}

TEST(config_errors_name_the_key)
{
	static const struct {
		const char *yaml, *message;
	} cases[] = {
		{ "lake:\n  rooot: x\n", "test.yaml:2: unknown key 'lake.rooot' (did you mean 'lake.root'?)" },
		{ "lake:\n  zstd_level: 42\n", "test.yaml:2: lake.zstd_level: expected an integer from 1 to 19, got '42'" },
		{ "lake:\n  zstd_level: fast\n", "lake.zstd_level: expected an integer" },
		{ "events:\n  session_gap: soon\n", "test.yaml:2: events.session_gap: expected a duration" },
		{ "server:\n  access_log: perhaps\n", "server.access_log: expected true or false, got 'perhaps'" },
		{ "online_store:\n  backend: memcached\n", "online_store.backend: expected one of lmdb|redis, got 'memcached'" },
		{ "lake: [1, 2]\n", "test.yaml:1: unknown key 'lake'" },
		{ "lake:\n  root:\n    nested: 1\n", "lake.root: expected a value, not a mapping" },
		{ "- a\n- b\n", "expected a mapping of sections at the top" },
		{ "lake:\n  root: [a]\n", "lake.root: expected a value, not a list" },
		{ "lake:\n  root: x\n    bad indent: y\n", "test.yaml:3:" },
		{ "server:\n  keys:\n    - name: a\n      sha256: xyz\n      scopes: [ingest]\n", "server.keys[0].sha256: expected 64 hex digits" },
		{ "server:\n  keys:\n    - name: a\n      sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n      scopes: [root]\n", "server.keys[0].scopes: expected ingest, predict or admin" },
		{ "server:\n  keys:\n    - name: a\n", "server.keys[0]: name, sha256 and scopes are all required" },
		{ "server:\n  keys:\n    - name: a\n      colour: red\n", "unknown key 'server.keys[0].colour'" },
		{ "events:\n  max_event_bytes: 1TiB\n", "events.max_event_bytes: expected a size" },
		{ "warehouse:\n  url: mysql://x\n", "warehouse.url: expected a URL starting with one of sqlite:|postgresql://|postgres://, got 'mysql://x'" },
		{ "online_store:\n  redis_url: localhost\n", "online_store.redis_url: expected a URL" },
		{ "server:\n  listen: 8080\n", "server.listen: expected host:port (port 0-65535; 0 picks a free one), got '8080'" },
		{ "server:\n  listen: 0.0.0.0:99999\n", "server.listen: expected host:port" },
		{ "server:\n  listen: ::1:80\n", "server.listen: expected host:port" },
	};
	struct config c;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = load(&c, cases[i].yaml);
		if (rc == 0)
			test_fail(__FILE__, __LINE__, "case %zu loaded but should not", i);
		CHECK_CONTAINS(pp_errmsg(), cases[i].message);
		config_release(&c);
	}
}

TEST(config_example_loads_back)
{
	struct buf text = BUF_INIT, dump = BUF_INIT;
	struct config c;

	CHECK_INT(config_write_example(&text), 0);
	CHECK_CONTAINS(text.data, "# Inactivity that ends a session");
	CHECK_CONTAINS(text.data, "  session_gap: 30m\n");
	CHECK_INT(load(&c, text.data), 0);
	CHECK_INT(c.session_gap_ms, 30 * MS_PER_MIN);
	CHECK_INT(config_dump(&c, &dump), 0);
	CHECK_CONTAINS(dump.data, "session_gap: 1800000ms");
	config_release(&c);
	buf_release(&text);
	buf_release(&dump);
}

TEST(config_set_override)
{
	struct config c;

	CHECK_INT(config_defaults(&c), 0);
	CHECK_INT(config_set(&c, "lake.zstd_level", "9", "--set"), 0);
	CHECK_INT(c.zstd_level, 9);
	CHECK_INT(config_set(&c, "server.listen", "[::1]:8081", "--set"), 0);
	CHECK_INT(config_set(&c, "server.listen", "localhost:80", "--set"), 0);
	CHECK_INT(config_set(&c, "warehouse.url", "postgresql://u:p@127.0.0.1:5432/shop", "--set"), 0);
	CHECK(config_set(&c, "lake.nope", "1", "--set") == PP_ECONFIG);
	CHECK_CONTAINS(pp_errmsg(), "--set: unknown key 'lake.nope'");
	config_release(&c);
}

TEST(config_survives_allocation_failures)
{
	const char *yaml = "lake:\n  root: /x\nserver:\n  keys:\n    - name: a\n      sha256: "
			   "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"
			   "      scopes: [admin]\n";
	struct config c;
	int ok = 0;

	/* Each allocation fails in turn: the load fails cleanly (sanitizers catch leaks). */
	for (long k = 0; k < 60; k++) {
		pp_mem_fail_after(k);
		int rc = config_defaults(&c);
		if (rc == 0) {
			rc = config_load_text(&c, yaml, strlen(yaml), "t.yaml");
			config_release(&c);
		}
		pp_mem_fail_after(-1);
		CHECK(rc == 0 || rc == PP_ENOMEM || rc == PP_ECONFIG);
		ok += rc == 0;
	}
	CHECK(ok > 0);
}
