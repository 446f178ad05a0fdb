#define _GNU_SOURCE
#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/// The libcurl entry points this project uses, filled in once by `load`.
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLcode (*easy_pause)(CURL *handle, int bitmask);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd *extra, unsigned count, int timeout_ms, int *numfds);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *queued);
    const char *(*multi_strerror)(CURLMcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
/// Empty when the load succeeded.
static char load_error[512];

/// Finds one entry point; false (with the reason recorded) when this libcurl lacks it.
static int find(void *library, const char *name, void **slot) {
    *slot = dlsym(library, name);
    if (*slot == NULL) {
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s (libcurl 7.85 or later is needed)", name);
        return 0;
    }
    return 1;
}

// Whether every symbol libcurl's libraries could find before their own is the very same definition: true when
// this process holds only itself and the libraries it links (libc, libm, libgcc_s, all of which libcurl's
// libraries link too). Not when something was preloaded (LD_PRELOAD, /etc/ld.so.preload: an allocator such as
// jemalloc, a socket wrapper such as torsocks) or audits the linker, nor under AddressSanitizer: RTLD_DEEPBIND
// would bind libcurl to glibc's malloc or connect past them.
static int nothing_interposed(void) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 0;
#endif
#endif
    return getenv("LD_PRELOAD") == NULL && getenv("LD_AUDIT") == NULL && access("/etc/ld.so.preload", F_OK) != 0;
}

static void load(void) {
    // libcurl's soname since 2006; the -dev package's libcurl.so symlink is not needed at run time.
    // Most of the load is the dynamic linker binding the symbols of the thirty-odd libraries libcurl needs
    // (Debian's links OpenSSL, GnuTLS for librtmp, Kerberos, LDAP, ...). RTLD_LAZY leaves the functions of those
    // built without -z now to their first call, most of them never made; RTLD_DEEPBIND looks each symbol up in
    // libcurl's own libraries first, where nearly all of them are. 5.4 ms -> 5.0 ms -> 4.6 ms (medians of 120
    // loads with curl_global_init, interleaved). The price of the first: a library missing a symbol (a
    // half-upgraded system) fails at that call rather than here.
    int mode = RTLD_LAZY | RTLD_LOCAL;
    if (nothing_interposed()) {
        mode |= RTLD_DEEPBIND;
    }
    void *library = dlopen("libcurl.so.4", mode);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "%s", reason != NULL ? reason : "libcurl.so.4 not found");
        return;
    }
    int found = find(library, "curl_global_init", (void **)&curl.global_init)
        && find(library, "curl_easy_init", (void **)&curl.easy_init)
        && find(library, "curl_easy_cleanup", (void **)&curl.easy_cleanup)
        && find(library, "curl_easy_strerror", (void **)&curl.easy_strerror)
        && find(library, "curl_easy_setopt", (void **)&curl.easy_setopt)
        && find(library, "curl_easy_getinfo", (void **)&curl.easy_getinfo)
        && find(library, "curl_easy_pause", (void **)&curl.easy_pause)
        && find(library, "curl_multi_init", (void **)&curl.multi_init)
        && find(library, "curl_multi_cleanup", (void **)&curl.multi_cleanup)
        && find(library, "curl_multi_add_handle", (void **)&curl.multi_add_handle)
        && find(library, "curl_multi_remove_handle", (void **)&curl.multi_remove_handle)
        && find(library, "curl_multi_perform", (void **)&curl.multi_perform)
        && find(library, "curl_multi_poll", (void **)&curl.multi_poll)
        && find(library, "curl_multi_wakeup", (void **)&curl.multi_wakeup)
        && find(library, "curl_multi_setopt", (void **)&curl.multi_setopt)
        && find(library, "curl_multi_info_read", (void **)&curl.multi_info_read)
        && find(library, "curl_multi_strerror", (void **)&curl.multi_strerror)
        && find(library, "curl_slist_append", (void **)&curl.slist_append)
        && find(library, "curl_slist_free_all", (void **)&curl.slist_free_all);
    if (!found) {
        return;
    }
    // Sets up OpenSSL; not thread-safe on older libcurl, hence inside the once.
    CURLcode code = curl.global_init(CURL_GLOBAL_ALL);
    if (code != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed: %s", curl.easy_strerror(code));
    }
}

const char *ar_curl_load(void) {
    pthread_once(&load_once, load);
    return load_error[0] != '\0' ? load_error : NULL;
}

static void *preload_thread(void *unused) {
    (void)unused;
    (void)ar_curl_load();
    return NULL;
}

void ar_curl_preload(void) {
    pthread_attr_t attributes;
    pthread_t thread;
    if (pthread_attr_init(&attributes) != 0) {
        return;
    }
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    // On a CPU other than this one, where there is another: a new thread otherwise often starts on the CPU of the
    // thread that made it and waits its turn there (measured: half the time the load began only once the
    // argument parsing was done, or stretched it to twice its length) even with the other CPU idle. The
    // affinity ends with the thread, which exits once libcurl is loaded.
    cpu_set_t allowed;
    int current = sched_getcpu();
    if (current >= 0 && sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_ISSET(current, &allowed)) {
        CPU_CLR(current, &allowed);
        if (CPU_COUNT(&allowed) > 0) {
            (void)pthread_attr_setaffinity_np(&attributes, sizeof allowed, &allowed);
        }
    }
    // Failing to start the thread only means the load happens later, on first use.
    (void)pthread_create(&thread, &attributes, preload_thread, NULL);
    pthread_attr_destroy(&attributes);
}

CURL *ar_easy_init(void) { return curl.easy_init(); }
void ar_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
const char *ar_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }

CURLcode ar_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_setopt_data_callback(CURL *handle, CURLoption option, ar_data_callback value) {
    return curl.easy_setopt(handle, option, value);
}

CURLcode ar_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl.easy_getinfo(handle, info, value);
}

static int refuse_seek(void *userdata, curl_off_t offset, int origin) {
    (void)userdata;
    (void)offset;
    (void)origin;
    return CURL_SEEKFUNC_CANTSEEK;
}

CURLcode ar_easy_refuse_rewind(CURL *handle) {
    return curl.easy_setopt(handle, CURLOPT_SEEKFUNCTION, refuse_seek);
}

CURLcode ar_easy_unpause(CURL *handle) { return curl.easy_pause(handle, CURLPAUSE_CONT); }

CURLM *ar_multi_init(void) { return curl.multi_init(); }
CURLMcode ar_multi_cleanup(CURLM *multi) { return curl.multi_cleanup(multi); }
CURLMcode ar_multi_add_handle(CURLM *multi, CURL *handle) { return curl.multi_add_handle(multi, handle); }
CURLMcode ar_multi_remove_handle(CURLM *multi, CURL *handle) { return curl.multi_remove_handle(multi, handle); }
CURLMcode ar_multi_perform(CURLM *multi, int *running) { return curl.multi_perform(multi, running); }

CURLMcode ar_multi_poll(CURLM *multi, struct curl_waitfd *extra, unsigned count, int timeout_ms, int *numfds) {
    return curl.multi_poll(multi, extra, count, timeout_ms, numfds);
}

CURLMcode ar_multi_wakeup(CURLM *multi) { return curl.multi_wakeup(multi); }
CURLMcode ar_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl.multi_setopt(multi, option, value);
}
CURLMsg *ar_multi_info_read(CURLM *multi, int *queued) { return curl.multi_info_read(multi, queued); }
const char *ar_multi_strerror(CURLMcode code) { return curl.multi_strerror(code); }

struct curl_slist *ar_slist_append(struct curl_slist *list, const char *line) {
    return curl.slist_append(list, line);
}

void ar_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }
