#include "curl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct signet_curl_api api;
static void *handle;
static char load_error[200];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define LOAD(field, symbol)                                                                        \
    do {                                                                                           \
        *(void **)(&api.field) = dlsym(handle, symbol);                                            \
        if (api.field == NULL) {                                                                   \
            snprintf(load_error, sizeof(load_error), "libcurl has no %s", symbol);                 \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static void
load(void)
{
    CURLcode (*global_init)(long);

    handle = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(load_error, sizeof(load_error), "cannot load libcurl.so.4: %s", dlerror());
        return;
    }
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_reset, "curl_easy_reset");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(easy_escape, "curl_easy_escape");
    LOAD(free, "curl_free");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
    *(void **)(&global_init) = dlsym(handle, "curl_global_init");
    if (global_init == NULL || global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof(load_error), "cannot initialise libcurl");
        goto fail;
    }
    return;
fail:
    api.easy_init = NULL;
    dlclose(handle);
    handle = NULL;
}

const struct signet_curl_api *
signet_curl__api(signet_ctx *ctx)
{
    pthread_once(&once, load);
    if (handle == NULL || api.easy_init == NULL) {
        signet_error__set(ctx, SIGNET_ENET, "%s", load_error);
        return NULL;
    }
    return &api;
}

void
signet_curl__shutdown(void)
{
    void (*global_cleanup)(void);

    if (handle == NULL)
        return;
    *(void **)(&global_cleanup) = dlsym(handle, "curl_global_cleanup");
    if (global_cleanup != NULL)
        global_cleanup();
}
