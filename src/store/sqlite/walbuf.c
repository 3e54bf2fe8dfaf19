/*
 * walbuf.c: a VFS shim over SQLite's default VFS that coalesces a transaction's WAL writes into
 * one write at sync time (see walbuf.h).
 *
 * Why. In WAL mode SQLite appends each dirty page of a commit to the -wal file as a frame with
 * two pwrite(2) calls (the 24-byte frame header, then the page), then fsyncs. A group commit of
 * 64 webhooks dirties one leaf page per random-key index entry, so a commit is a hundred and
 * more small pwrites; perf showed the committer thread spending most of its time entering and
 * leaving the kernel for them (bench/webhooks; docs/performance.md). This shim keeps the
 * frames of the -wal file in a buffer and writes them when SQLite syncs, 64 KB per pwrite.
 *
 * What stays the same. Durability is decided by the sync, and nothing is acknowledged before
 * it: xSync writes the buffer and then syncs, in that order, so a synced WAL holds exactly the
 * bytes SQLite wrote. A crash before the sync loses frames that a crash would have made
 * unreadable anyway (uncommitted: SQLite's recovery drops a WAL tail whose checksums do not
 * match). Frames become visible to other connections only through the wal-index, which SQLite
 * updates after the commit's sync (sqlite3WalFrames: frames, sync, then walIndexAppend and the
 * header), so no other connection reads a frame still in a buffer. That holds only when every
 * commit syncs the WAL: the shim is used with synchronous=FULL only (sqlite.c picks it).
 *
 * The buffer holds one contiguous range [off, off + len) of the file. A write inside or right
 * after it is copied in (SQLite rewrites a frame of the current transaction in place when a
 * page changes again); any other write, a read that overlaps the range, xFileSize, xTruncate,
 * xSync, xClose, a file control, and a buffer past WALBUF_MAX first write the range out, so
 * every other operation sees the file as SQLite wrote it. Files other than the -wal go to the
 * default VFS untouched. The VFS under the shim is the default one at each open, so a VFS made
 * the default later (the tests' fault injector, tests/support/th_fault.h) is under it.
 *
 * Thread-safety: a sqlite3_file belongs to one connection, and seam's connections are used by
 * one thread at a time (SQLITE_OPEN_NOMUTEX), so a buffer needs no lock. Registration runs
 * once (pthread_once).
 */
#include "store/sqlite/walbuf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WALBUF_MAX (4 * 1024 * 1024) /* write out past this (a big transaction) */
#define WALBUF_WRITE (64 * 1024)       /* one write's length */

typedef struct walbuf_file {
	sqlite3_file base;     /* pMethods: ours */
	sqlite3_file *real;    /* the default VFS's file, allocated right after this struct */
	int wal;               /* 1: the -wal file, writes are buffered */
	unsigned char *buf;
	sqlite3_int64 off;     /* file offset of buf[0] */
	size_t len, cap;
} walbuf_file_t;

static sqlite3_vfs shim;
static sqlite3_vfs *orig; /* the default VFS when the shim was registered */

/* Room for the file of a VFS put in as the default after the shim (a test's fault-injecting
 * shim over the unix VFS). */
#define WALBUF_SPARE 512

/* The VFS under the shim: the default one now (so a VFS installed as the default later, like
 * the tests' fault injector, is under it), unless its files would not fit. */
static sqlite3_vfs *base(void)
{
	sqlite3_vfs *v = sqlite3_vfs_find(NULL);
	if (!v || v == &shim || v->szOsFile > orig->szOsFile + WALBUF_SPARE)
		return orig;
	return v;
}

/* Writes the held range out, in pieces of WALBUF_WRITE: the unix VFS masks a write's length
 * with 0x1ffff and reports a write it could not finish as SQLITE_FULL. */
static int flush(walbuf_file_t *f)
{
	int rc = SQLITE_OK;
	for (size_t done = 0; rc == SQLITE_OK && done < f->len;) {
		size_t n = f->len - done < WALBUF_WRITE ? f->len - done : WALBUF_WRITE;
		rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n,
					       f->off + (sqlite3_int64)done);
		done += n;
	}
	f->len = 0;
	return rc;
}

static int wb_close(sqlite3_file *p)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
	free(f->buf);
	f->buf = NULL;
	f->cap = 0;
	return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *p, void *out, int n, sqlite3_int64 at)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	if (f->len && at < f->off + (sqlite3_int64)f->len && at + n > f->off) {
		int rc = flush(f);
		if (rc != SQLITE_OK)
			return rc;
	}
	return f->real->pMethods->xRead(f->real, out, n, at);
}

static int wb_write(sqlite3_file *p, const void *data, int n, sqlite3_int64 at)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	if (!f->wal || n <= 0)
		return f->real->pMethods->xWrite(f->real, data, n, at);
	sqlite3_int64 end = f->off + (sqlite3_int64)f->len;
	int inside = f->len && at >= f->off && at <= end;
	if (!inside) {
		int rc = flush(f);
		if (rc != SQLITE_OK)
			return rc;
		f->off = at;
		inside = 1;
	}
	size_t need = (size_t)(at - f->off) + (size_t)n;
	if (need > WALBUF_MAX) {
		/* a large transaction: write what is held, then this one directly */
		int rc = flush(f);
		return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, n, at);
	}
	if (need > f->cap) {
		size_t cap = f->cap ? f->cap : 64 * 1024;
		while (cap < need)
			cap *= 2;
		unsigned char *nb = realloc(f->buf, cap);
		if (!nb) { /* no memory for the buffer: write through */
			int rc = flush(f);
			return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, n, at);
		}
		f->buf = nb;
		f->cap = cap;
	}
	memcpy(f->buf + (at - f->off), data, (size_t)n);
	if (need > f->len)
		f->len = need;
	return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *p, int flags)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wb_lock(sqlite3_file *p, int l)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xLock(f->real, l);
}

static int wb_unlock(sqlite3_file *p, int l)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xUnlock(f->real, l);
}

static int wb_check_reserved(sqlite3_file *p, int *out)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int wb_file_control(sqlite3_file *p, int op, void *arg)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	if (rc != SQLITE_OK)
		return rc;
	if (op == SQLITE_FCNTL_VFSNAME && arg) {
		rc = f->real->pMethods->xFileControl(f->real, op, arg);
		if (rc == SQLITE_OK) {
			char *inner = *(char **)arg;
			*(char **)arg = sqlite3_mprintf("%s/%s", shim.zName, inner ? inner : "");
			sqlite3_free(inner);
		}
		return rc;
	}
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wb_sector_size(sqlite3_file *p)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xSectorSize(f->real);
}

static int wb_device_characteristics(sqlite3_file *p)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int wb_shm_map(sqlite3_file *p, int pg, int pgsz, int extend, void volatile **out)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, out);
}

static int wb_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *p)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	f->real->pMethods->xShmBarrier(f->real);
}

static int wb_shm_unmap(sqlite3_file *p, int del)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int wb_fetch(sqlite3_file *p, sqlite3_int64 at, int n, void **out)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, at, n, out);
}

static int wb_unfetch(sqlite3_file *p, sqlite3_int64 at, void *ptr)
{
	walbuf_file_t *f = (walbuf_file_t *)p;
	return f->real->pMethods->xUnfetch(f->real, at, ptr);
}

static const sqlite3_io_methods methods = {
	3,
	wb_close,
	wb_read,
	wb_write,
	wb_truncate,
	wb_sync,
	wb_file_size,
	wb_lock,
	wb_unlock,
	wb_check_reserved,
	wb_file_control,
	wb_sector_size,
	wb_device_characteristics,
	wb_shm_map,
	wb_shm_lock,
	wb_shm_barrier,
	wb_shm_unmap,
	wb_fetch,
	wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out_flags)
{
	(void)vfs;
	walbuf_file_t *f = (walbuf_file_t *)p;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	sqlite3_vfs *b = base();
	int rc = b->xOpen(b, name, f->real, flags, out_flags);
	/* SQLite calls xClose only when pMethods is set; the inner file may need it even after a
	 * failed open (the default VFS leaves pMethods NULL then). */
	p->pMethods = f->real->pMethods ? &methods : NULL;
	return rc;
}

/* The rest of the VFS is the default one's. */
static int wb_delete(sqlite3_vfs *v, const char *n, int sync)
{
	(void)v;
	return base()->xDelete(base(), n, sync);
}
static int wb_access(sqlite3_vfs *v, const char *n, int flags, int *out)
{
	(void)v;
	return base()->xAccess(base(), n, flags, out);
}
static int wb_full_pathname(sqlite3_vfs *v, const char *n, int cap, char *out)
{
	(void)v;
	return base()->xFullPathname(base(), n, cap, out);
}
static void *wb_dlopen(sqlite3_vfs *v, const char *n)
{
	(void)v;
	return base()->xDlOpen(base(), n);
}
static void wb_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	base()->xDlError(base(), n, out);
}
static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
	(void)v;
	return base()->xDlSym(base(), h, s);
}
static void wb_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	base()->xDlClose(base(), h);
}
static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return base()->xRandomness(base(), n, out);
}
static int wb_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return base()->xSleep(base(), us);
}
static int wb_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return base()->xCurrentTime(base(), out);
}
static int wb_get_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	sqlite3_vfs *b = base();
	return b->xGetLastError ? b->xGetLastError(b, n, out) : 0;
}
static int wb_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return base()->xCurrentTimeInt64(base(), out);
}

static int registered;

static void register_once(void)
{
	orig = sqlite3_vfs_find(NULL);
	if (!orig || orig->iVersion < 2)
		return;
	shim = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(walbuf_file_t) + orig->szOsFile + WALBUF_SPARE,
		.mxPathname = orig->mxPathname,
		.zName = SEAM_WALBUF_VFS,
		.xOpen = wb_open,
		.xDelete = wb_delete,
		.xAccess = wb_access,
		.xFullPathname = wb_full_pathname,
		.xDlOpen = wb_dlopen,
		.xDlError = wb_dlerror,
		.xDlSym = wb_dlsym,
		.xDlClose = wb_dlclose,
		.xRandomness = wb_randomness,
		.xSleep = wb_sleep,
		.xCurrentTime = wb_current_time,
		.xGetLastError = wb_get_last_error,
		.xCurrentTimeInt64 = wb_current_time_int64,
	};
	registered = sqlite3_vfs_register(&shim, 0) == SQLITE_OK;
}

const char *seam_walbuf_vfs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_once);
	return registered ? SEAM_WALBUF_VFS : NULL;
}
