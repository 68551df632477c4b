/*
 * libcurl, loaded when the first registry client is made rather than when the program starts.
 * Debian's libcurl pulls in some thirty shared libraries whose loading costs ~7 ms per process;
 * the verbs that never talk to a registry (keys, blobs) should not pay it.
 */
#ifndef SIGNET_CURL_API_H
#define SIGNET_CURL_API_H

#include "internal.h"

#include <curl/curl.h>

struct signet_curl_api {
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    void (*free)(void *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
};

/* The loaded API (libcurl.so.4, globally initialised once), or NULL with an error set. */
const struct signet_curl_api *signet_curl__api(signet_ctx *ctx);

/* Clean up libcurl if it was loaded. */
void signet_curl__shutdown(void);

#endif
