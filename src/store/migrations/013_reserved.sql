-- 013_reserved: holds version 13's place on the ops-dashboard branch, whose migration is 014.
-- Version 13 is reconciliation's (013_reconcile, built in parallel); when both are merged its
-- line in migrations.c replaces this one and this file is deleted. A store made with this file
-- records the name 013_reserved, which a binary with 013_reconcile refuses by name (store.c
-- compares recorded names), so no store can skip reconciliation's tables by accident.
SELECT 1;
