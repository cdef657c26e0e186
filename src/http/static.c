/* The built web app. The path is decoded by libmicrohttpd, then checked segment
 * by segment and resolved with realpath under the root before anything is opened. */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/log.h"
#include "internal.h"
#include "../core/banned.h"

static char root[PATH_MAX];
static size_t root_len;

void static_init(const char *dir)
{
	if (dir == NULL)
		return;
	if (realpath(dir, root) == NULL)
		fatal("web directory %s cannot be used", dir);
	root_len = strlen(root);
}

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".map", "application/json"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* Every segment must be plain: no "..", ".", empty, backslash or control bytes. */
static bool path_clean(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p + 1; *s != '\0';) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') || (n == 0 && *e == '/'))
			return false;
		for (const char *c = s; c < e; c++)
			if ((unsigned char)*c < 0x20 || *c == '\\' || *c == 0x7f)
				return false;
		s = *e ? e + 1 : e;
	}
	return true;
}

static bool accepts_gzip(struct req *r)
{
	const char *ae = req_header(r, "Accept-Encoding");
	return ae != NULL && strstr(ae, "gzip") != NULL;
}

/* Open root + rel if it resolves to a regular file inside root. */
static int open_inside(struct req *r, const char *rel, struct stat *st)
{
	char real[PATH_MAX];
	const char *full = arena_printf(r->arena, "%s%s", root, rel);
	if (realpath(full, real) == NULL || strncmp(real, root, root_len) != 0 || real[root_len] != '/')
		return -1;
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_file(struct req *r, const char *rel)
{
	struct stat st;
	int fd = -1;
	bool gz = false;
	if (accepts_gzip(r)) {
		fd = open_inside(r, arena_printf(r->arena, "%s.gz", rel), &st);
		gz = fd >= 0;
	}
	if (fd < 0)
		fd = open_inside(r, rel, &st);
	if (fd < 0)
		return false;
	r->replied = true;
	r->status = 200;
	r->out_fd = fd;
	r->out_fd_size = (uint64_t)st.st_size;
	r->out_type = type_of(rel);
	reply_header(r, "Vary", "Accept-Encoding");
	if (gz)
		reply_header(r, "Content-Encoding", "gzip");
	/* Vite puts content hashes in the names under /assets/, so they never change. */
	reply_header(
	    r, "Cache-Control", strncmp(rel, "/assets/", 8) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
	return true;
}

void static_serve(struct req *r)
{
	if (r->method != M_GET) {
		reply_problem(r, P_METHOD, "only GET is allowed here");
		return;
	}
	if (root_len == 0 || !path_clean(r->path)) {
		reply_problem(r, P_NOT_FOUND, "not found");
		return;
	}
	if (strcmp(r->path, "/") != 0 && send_file(r, r->path))
		return;
	/* Client-side routes: anything else that is not an asset gets the app. */
	if (strncmp(r->path, "/assets/", 8) == 0 || !send_file(r, "/index.html"))
		reply_problem(r, P_NOT_FOUND, "not found");
}
