/*
 * th_fault.h: I/O fault injection under the store, for fault tests (SQLite's own I/O error
 * tests do the same with their test VFS). th_fault_install() puts a shim over SQLite's default
 * VFS and makes it the default, so every store connection opened afterwards in this process
 * goes through it. Unarmed, the shim only forwards. Armed, it lets `skip` writes to WAL files
 * through and then fails the next `n` with SQLITE_IOERR_WRITE, as a full or failing disk
 * would. In WAL mode a transaction writes the WAL only at COMMIT, so arming it makes the next
 * commit that changes anything fail, after writing `skip` of its frames (a half-written
 * commit). The store reports SEAM_IO.
 *
 * Only WAL files whose path contains `match` (the test's temp dir) are affected, so other
 * stores of the process are not. Thread-safety: all functions are; the shim is called from
 * whatever thread uses a connection.
 */
#ifndef SEAM_TESTS_TH_FAULT_H
#define SEAM_TESTS_TH_FAULT_H

/* Installs the shim as the default VFS (once per process; later calls do nothing). Call it
 * before opening the store the test will fault. */
void th_fault_install(void);
/* Arms: after `skip` more writes to a WAL file whose path contains match, the next n fail. */
void th_fault_wal_writes(const char *match, int skip, int n);
/* Disarms (pending failures are dropped). */
void th_fault_off(void);
/* Writes failed since the last arm. */
int th_fault_hits(void);

#endif
