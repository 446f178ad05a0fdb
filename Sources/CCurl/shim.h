#ifndef ACTOR_RUN_CCURL_SHIM_H
#define ACTOR_RUN_CCURL_SHIM_H

// libcurl's setopt/getinfo entry points are C variadics, which Swift cannot call.
// These typed wrappers give Swift one non-variadic function per argument kind.
#include <curl/curl.h>

typedef size_t (*ar_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode ar_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ar_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ar_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ar_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ar_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ar_easy_setopt_data_callback(CURL *handle, CURLoption option, ar_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/// Refuses every rewind: a body that must go out at most once can never be sent again by libcurl.
static inline int ar_refuse_seek(void *userdata, curl_off_t offset, int origin) {
    (void)userdata; (void)offset; (void)origin;
    return CURL_SEEKFUNC_CANTSEEK;
}

static inline CURLcode ar_easy_refuse_rewind(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, ar_refuse_seek);
}

/// Resumes a transfer whose write callback returned CURL_WRITEFUNC_PAUSE (the macro is not importable).
static inline CURLcode ar_easy_unpause(CURL *handle) {
    return curl_easy_pause(handle, CURLPAUSE_CONT);
}

/// CURL_WRITEFUNC_PAUSE, as a value Swift can use.
static inline size_t ar_writefunc_pause(void) {
    return CURL_WRITEFUNC_PAUSE;
}

static inline CURLcode ar_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// The result code of a finished transfer, read out of CURLMsg's union.
static inline CURLcode ar_msg_result(CURLMsg *message) {
    return message->data.result;
}

#endif
