/*
 * libFuzzer target: bolt_hosts_parse_string. Every reported pair must be a
 * valid name and a known family; errors are "NAME:LINE: ...".
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "boltdns/hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(const char *name, int family, const uint8_t *addr, void *arg)
{
	(void)arg;
	size_t len = strlen(name);
	if (len == 0 || len > BOLT_HOSTS_NAME_MAX || (family != AF_INET && family != AF_INET6))
		abort();
	/* touch every byte of the address so ASan sees a short buffer */
	volatile uint8_t sum = 0;
	for (int i = 0; i < (family == AF_INET ? 4 : 16); i++)
		sum ^= addr[i];
	(void)sum;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int ret = bolt_hosts_parse_string(text, "fuzz", check, NULL, err, sizeof(err));
	if (ret != 0 && (ret != BOLT_ECONFIG || strncmp(err, "fuzz:", 5) != 0))
		abort();
	free(text);
	return 0;
}
