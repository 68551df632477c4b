/* The public headers compile alone, as C99, pedantic, with no other includes. */
#include <signet.h>

int
main(void)
{
    signet_buf buf = SIGNET_BUF_INIT;

    (void)buf;
    return signet_strerror(SIGNET_OK) == 0;
}
