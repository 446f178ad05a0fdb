#ifndef ACTOR_RUN_CCURL_H
#define ACTOR_RUN_CCURL_H

// libcurl for Swift, loaded when first needed rather than when the process starts.
//
// Why loaded: libcurl and what it links (OpenSSL, GnuTLS, Kerberos, LDAP...) take about 4 ms and 6 MB to map
// and initialise, which `--version`, `--help` and a usage error never need. The process links no libcurl;
// `ar_curl_load` opens libcurl.so.4 once, and `ar_curl_preload` does it on a thread of its own while the
// command line is parsed. Every entry point below calls through the table the load filled in, so none may be
// called before `ar_curl_load` has returned NULL.
//
// Why wrappers at all: libcurl's setopt/getinfo entry points are C variadics, which Swift cannot call, so
// there is one non-variadic function per argument kind.
#include <curl/curl.h>

/// Loads libcurl and runs `curl_global_init` (once per process; later calls wait for the first).
/// Returns NULL when libcurl is ready, else why it could not be loaded.
const char *ar_curl_load(void);

/// Starts `ar_curl_load` on a detached thread and returns at once.
void ar_curl_preload(void);

typedef size_t (*ar_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

CURL *ar_easy_init(void);
void ar_easy_cleanup(CURL *handle);
const char *ar_easy_strerror(CURLcode code);
CURLcode ar_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ar_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ar_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ar_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ar_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ar_easy_setopt_data_callback(CURL *handle, CURLoption option, ar_data_callback value);
CURLcode ar_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// Refuses every rewind: a body that must go out at most once can never be sent again by libcurl.
CURLcode ar_easy_refuse_rewind(CURL *handle);
/// Resumes a transfer whose write callback returned CURL_WRITEFUNC_PAUSE (the macro is not importable).
CURLcode ar_easy_unpause(CURL *handle);

CURLM *ar_multi_init(void);
CURLMcode ar_multi_cleanup(CURLM *multi);
CURLMcode ar_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode ar_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode ar_multi_perform(CURLM *multi, int *running);
CURLMcode ar_multi_poll(CURLM *multi, struct curl_waitfd *extra, unsigned count, int timeout_ms, int *numfds);
CURLMcode ar_multi_wakeup(CURLM *multi);
CURLMcode ar_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMsg *ar_multi_info_read(CURLM *multi, int *queued);
const char *ar_multi_strerror(CURLMcode code);

struct curl_slist *ar_slist_append(struct curl_slist *list, const char *line);
void ar_slist_free_all(struct curl_slist *list);

/// CURL_WRITEFUNC_PAUSE, as a value Swift can use.
static inline size_t ar_writefunc_pause(void) {
    return CURL_WRITEFUNC_PAUSE;
}

/// The result code of a finished transfer, read out of CURLMsg's union.
static inline CURLcode ar_msg_result(CURLMsg *message) {
    return message->data.result;
}

#endif
