/*
 * test_list.h - every unit test, by name; X(name) runs test_<name>. The runner forks one
 * process per test. Add a test here and define it with TEST(name) in a test_*.c file.
 */
/* core */
X(buf_basics)
X(buf_cap)
X(buf_json_and_double)
X(parse_numbers)
X(time_civil_roundtrip)
X(time_parse_rfc3339)
X(strmap_grow_and_find)
X(arena_alignment_and_reset)
X(rng_deterministic_and_uniform)
X(alias_table_matches_weights)
X(json_scan_strings)
X(json_scan_values)
X(mem_failure_injection)
X(hash64_spreads_and_is_stable)
X(out_file_whole_or_nothing)
X(sha256_vectors)
X(tabular_csv_json_and_text)
/* config */
X(config_defaults)
X(config_load_values)
X(config_errors_name_the_key)
X(config_example_loads_back)
X(config_set_override)
X(config_survives_allocation_failures)
/* events */
X(event_rejects_bad_input)
X(event_parses_canonical_and_aliases)
X(event_write_parse_roundtrip)
X(event_parse_survives_allocation_failure)
X(sessionizer_splits_by_gap)
X(event_line_event_id_top_level_only)
/* raw zone */
X(raw_writer_partitions_and_reads_back)
X(raw_writer_limits_segment_and_memory)
X(raw_flush_before_keeps_open_hours)
X(raw_late_data_is_batched)
X(fs_write_atomic_noreplace)
X(lake_paths_are_confined)
/* import */
X(csv_reader_edge_cases)
X(import_retailrocket_events)
X(import_retailrocket_catalogue)
X(import_retailrocket_headerless)
X(import_rees46)
X(import_ndjson_keeps_good_lines)
/* simulator */
X(sim_is_deterministic)
X(sim_matches_retailrocket_mix_at_1m_events)
X(sim_oracle_matches_monte_carlo)
X(sessionizer_recovers_simulated_sessions)
X(sim_formats)
/* collector */
X(collector_commits_dedups_and_seals)
X(collector_notifies_and_refuses_when_full)
X(collector_recovers_a_crashed_journal_once)
X(collector_subscribers_see_published_events)
/* parquet */
X(thrift_compact_roundtrip)
X(parquet_writer_guards)
/* delta */
X(delta_commits_snapshots_and_conflicts)
/* etl */
X(funnel_counts_steps_and_sessions)
X(funnel_of_an_empty_day)
X(session_writer_summarises_sessions)
X(item_stats_count_per_item)
X(date_rows_have_iso_weeks)
