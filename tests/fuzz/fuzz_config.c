/*
 * fuzz_config — libFuzzer target for the INI configuration (libinih + our key table and value
 * checks): any bytes must load or fail with a message, never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct config c;
	struct error err;
	config_init(&c);
	error_init(&err);
	if (config_load_string(&c, text, "fuzz.ini", &err) < 0 && err.msg[0] == '\0')
		abort(); /* a rejection must say why */
	config_release(&c);
	free(text);
	return 0;
}
