/*
 * walbuf.h: the SQLite VFS shim that writes a transaction's WAL frames with one write at sync
 * time instead of two per page (walbuf.c says how and why it keeps durability).
 *
 * Use it only for connections with synchronous=FULL: the shim relies on every commit syncing
 * the WAL before SQLite makes its frames visible to other connections.
 *
 * Thread-safety: seam_walbuf_vfs registers the VFS once, from any thread.
 */
#ifndef SEAM_STORE_SQLITE_WALBUF_H
#define SEAM_STORE_SQLITE_WALBUF_H

#include <sqlite3.h>

#define SEAM_WALBUF_VFS "seam-walbuf"

/* The shim's VFS name for sqlite3_open_v2, registering it on first use; NULL when it cannot be
 * registered (then open with the default VFS). */
const char *seam_walbuf_vfs(void);

#endif
