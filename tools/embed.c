/* Build-time tool: turn a data file into a C array so the binary carries it.
 * usage: embed NAME INPUT OUTPUT.c */
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: embed NAME INPUT OUTPUT.c\n");
		return 64;
	}
	FILE *in = fopen(argv[2], "rb"), *out = fopen(argv[3], "w");
	if (in == NULL || out == NULL) {
		perror("embed");
		return 1;
	}
	fprintf(out, "#include <stddef.h>\nconst unsigned char %s[] = {\n", argv[1]);
	int c;
	size_t n = 0;
	while ((c = fgetc(in)) != EOF)
		fprintf(out, "%u,%s", (unsigned)c, ++n % 20 == 0 ? "\n" : "");
	fprintf(out, "0};\nconst size_t %s_len = %zu;\n", argv[1], n);
	return fclose(out) == 0 ? 0 : 1;
}
