#ifndef ACTOR_RUN_CCURL_SHIM_H
#define ACTOR_RUN_CCURL_SHIM_H

// libcurl's setopt/getinfo entry points are C variadics, which Swift cannot call.
// These typed wrappers give Swift one non-variadic function per argument kind.
#include <curl/curl.h>

typedef size_t (*ar_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*ar_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                    curl_off_t ultotal, curl_off_t ulnow);

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

static inline CURLcode ar_easy_setopt_xferinfo(CURL *handle, ar_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

static inline CURLcode ar_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ar_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ar_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode ar_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

/// The result code of a finished transfer, read out of CURLMsg's union.
static inline CURLcode ar_msg_result(CURLMsg *message) {
    return message->data.result;
}

#endif
