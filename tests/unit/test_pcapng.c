/* tests/unit/test_pcapng.c: the pcapng encoder: block layout, and tshark reading it back (when installed). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/capture/frame_text.h"
#include "core/capture/pcapng.h"

static uint32_t get32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Walk the blocks: each length a multiple of 4, repeated at its end; return their types. */
static size_t blocks(const struct strbuf *b, uint32_t *types, size_t max)
{
	size_t n = 0, off = 0;
	while (off < b->len) {
		assert_true(off + 12 <= b->len);
		uint32_t len = get32(b->s + off + 4);
		assert_int_equal(len % 4, 0);
		assert_true(off + len <= b->len);
		assert_int_equal(get32(b->s + off + len - 4), len);
		assert_true(n < max);
		types[n++] = get32(b->s + off);
		off += len;
	}
	assert_int_equal(off, b->len);
	return n;
}

static const unsigned char arp[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06,
	0, 1, 8, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 1, 10, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
};

static void build(struct strbuf *b)
{
	pcapng_section(b, "umllab test");
	pcapng_interface(b, "umlA.eth0", "switch S1", 1536);
	pcapng_interface(b, "umlB.eth0", NULL, 1536);
	pcapng_packet(b, 0, 1764662400123456789ull, arp, sizeof(arp), sizeof(arp), PCAPNG_DIR_INBOUND);
	pcapng_packet(b, 1, 1764662400123456999ull, arp, 41, 60, PCAPNG_DIR_OUTBOUND);	/* cut short */
	pcapng_packet(b, 1, 1764662400200000000ull, arp, 14, 14, PCAPNG_DIR_UNKNOWN);
	pcapng_stats(b, 0, 1764662401000000000ull, 2, 5);
}

static void test_layout(void **state)
{
	(void)state;
	struct strbuf b = { 0 };
	build(&b);
	uint32_t t[16];
	size_t n = blocks(&b, t, 16);
	assert_int_equal(n, 7);
	uint32_t want[] = { 0x0a0d0d0a, 1, 1, 6, 6, 6, 5 };
	for (size_t i = 0; i < n; i++)
		assert_int_equal(t[i], want[i]);
	assert_int_equal(get32(b.s + 8), 0x1a2b3c4d);	/* byte-order magic */
	/* The first packet: interface 0, then the timestamp in two halves. */
	size_t off = get32(b.s + 4);
	off += get32(b.s + off + 4);
	off += get32(b.s + off + 4);
	assert_int_equal(get32(b.s + off + 8), 0);
	uint64_t ts = ((uint64_t)get32(b.s + off + 12) << 32) | get32(b.s + off + 16);
	assert_true(ts == 1764662400123456789ull);
	assert_int_equal(get32(b.s + off + 20), 42);
	assert_int_equal(memcmp(b.s + off + 28, arp, 42), 0);
	free(b.s);
}

/* tshark, when there, reads it back: names, directions, nanoseconds, lengths. */
static void test_tshark(void **state)
{
	(void)state;
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	char path[] = "/tmp/test_pcapng-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct strbuf b = { 0 };
	build(&b);
	assert_int_equal(write(fd, b.s, b.len), (ssize_t)b.len);
	close(fd);
	free(b.s);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e frame.interface_name -e frame.p2p_dir "
	    "-e frame.time_epoch -e frame.cap_len -e frame.len -e arp.dst.proto_ipv4 2>&1", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char out[2048] = "";
	size_t got = fread(out, 1, sizeof(out) - 1, p);
	out[got] = '\0';
	int rc = pclose(p);
	unlink(path);
	if (rc != 0 || strstr(out, "umlA.eth0\t") == NULL) {
		print_error("tshark said:\n%s", out);
		fail();
	}
	assert_non_null(strstr(out, "umlA.eth0\t1\t1764662400.123456789\t42\t42\t10.0.0.2\n"));
	assert_non_null(strstr(out, "umlB.eth0\t0\t1764662400.123456999\t41\t60\t"));
	assert_non_null(strstr(out, "umlB.eth0\t\t1764662400.200000000\t14\t14\t"));
}

/* The reader takes back what the encoder wrote, fed in pieces of any size. */
static void test_reader(void **state)
{
	(void)state;
	struct strbuf b = { 0 };
	build(&b);
	for (size_t step = 1; step <= 64; step *= 3) {
		struct pcapng_reader r = { 0 };
		struct pcapng_record rec;
		char *cause = NULL;
		int got = 0;
		for (size_t off = 0; off < b.len; off += step) {
			pcapng_reader_feed(&r, b.s + off, off + step <= b.len ? step : b.len - off);
			int rc;
			while ((rc = pcapng_reader_next(&r, &rec, &cause)) == 1) {
				if (got == 0) {
					assert_string_equal(rec.ifname, "umlA.eth0");
					assert_int_equal(rec.dir, PCAPNG_DIR_INBOUND);
					assert_true(rec.ts_ns == 1764662400123456789ull);
					assert_int_equal(rec.caplen, 42);
					assert_memory_equal(rec.data, arp, 42);
				} else if (got == 1) {
					assert_string_equal(rec.ifname, "umlB.eth0");
					assert_int_equal(rec.dir, PCAPNG_DIR_OUTBOUND);
					assert_int_equal(rec.caplen, 41);
					assert_int_equal(rec.len, 60);
				} else {
					assert_int_equal(rec.dir, PCAPNG_DIR_UNKNOWN);
				}
				got++;
			}
			assert_int_equal(rc, 0);
		}
		assert_int_equal(got, 3);
		pcapng_reader_free(&r);
	}
	/* Not pcapng: refused with a reason, never read past the bytes given. */
	struct pcapng_reader r = { 0 };
	struct pcapng_record rec;
	char *cause = NULL;
	pcapng_reader_feed(&r, "\x0a\x0d\x0d\x0a\x07\x00\x00\x00xxxxxxxx", 16);
	assert_int_equal(pcapng_reader_next(&r, &rec, &cause), -1);
	assert_non_null(strstr(cause, "not a pcapng stream"));
	free(cause);
	pcapng_reader_free(&r);
	free(b.s);
}

static void expect_text(const unsigned char *f, size_t len, const char *want)
{
	struct strbuf b = { 0 };
	frame_describe(&b, f, len);
	assert_string_equal(b.s, want);
	free(b.s);
}

static void test_frame_text(void **state)
{
	(void)state;
	expect_text(arp, sizeof(arp),
	    "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, who-has 10.0.0.2 tell 10.0.0.1");
	unsigned char reply[42];
	memcpy(reply, arp, 42);
	reply[21] = 2;
	expect_text(reply, 42, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, 10.0.0.1 is-at 02:00:00:00:00:01");
	unsigned char ping[14 + 20 + 8] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 63, 1, 0, 0, 10, 0, 0, 1, 10, 0, 1, 2,
		8, 0, 0, 0, 0, 7, 0, 3 };
	expect_text(ping, sizeof(ping), "02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4 10.0.0.1 > "
	    "10.0.1.2, ttl 63, ICMP echo request, id 7, seq 3");
	expect_text(ping, 30, "02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, truncated");
	unsigned char tcp[14 + 20 + 20] = { 0 };
	memcpy(tcp, ping, 34);
	tcp[23] = 6;
	tcp[34] = 0x04; tcp[35] = 0xd2; tcp[36] = 0; tcp[37] = 80; tcp[47] = 0x12;
	expect_text(tcp, sizeof(tcp), "02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4 10.0.0.1 > "
	    "10.0.1.2, ttl 63, TCP 1234 > 80 [S.]");
	expect_text(ping, 10, "runt frame, 10 bytes");
	unsigned char other[60] = { 0 };
	other[12] = 0x88;
	other[13] = 0xb5;
	expect_text(other, 60, "00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype 0x88b5, 60 bytes");
}

/* An IPv6 frame: 02:..:01 > dst, src > dst addresses, next header nh, payload pl of n bytes. */
static size_t frame6(unsigned char *f, const char *dst_mac_last, const char *src, const char *dst,
    unsigned nh, const unsigned char *pl, size_t n)
{
	memset(f, 0, 14 + 40);
	f[0] = 0x33;
	f[1] = 0x33;
	f[5] = (unsigned char)dst_mac_last[0];
	f[6] = 0x02;
	f[11] = 1;
	f[12] = 0x86;
	f[13] = 0xdd;
	unsigned char *h = f + 14;
	h[0] = 0x60;
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = (unsigned char)nh;
	h[7] = 255;
	assert_int_equal(inet_pton(AF_INET6, src, h + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, h + 24), 1);
	memcpy(h + 40, pl, n);
	return 14 + 40 + n;
}

static void test_frame_text6(void **state)
{
	(void)state;
	unsigned char f[200];
	unsigned char echo[16] = { 128, 0, 0, 0, 0, 7, 0, 3 };
	size_t n = frame6(f, "\x01", "2001:db8:1::1", "2001:db8:2::1", 58, echo, sizeof(echo));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 2001:db8:1::1 > 2001:db8:2::1, "
	    "hlim 255, ICMPv6 echo request, id 7, seq 3");
	unsigned char nsol[32] = { 135, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 2, [23] = 1,
		1, 1, 2, 0, 0, 0, 0, 1 };
	n = frame6(f, "\x01", "2001:db8:2::fe", "ff02::1:ff00:1", 58, nsol, sizeof(nsol));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 2001:db8:2::fe > ff02::1:ff00:1, "
	    "hlim 255, ICMPv6 neighbour solicitation, who-has 2001:db8:2::1");
	n = frame6(f, "\x01", "::", "ff02::1:ff00:1", 58, nsol, 24);
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 :: > ff02::1:ff00:1, hlim 255, "
	    "ICMPv6 neighbour solicitation, who-has 2001:db8:2::1 (duplicate address detection)");
	unsigned char nadv[32] = { 136, 0, 0, 0, 0x60, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 2, [23] = 1,
		2, 1, 2, 0, 0, 0, 2, 1 };
	n = frame6(f, "\x01", "2001:db8:2::1", "2001:db8:2::fe", 58, nadv, sizeof(nadv));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 2001:db8:2::1 > 2001:db8:2::fe, "
	    "hlim 255, ICMPv6 neighbour advertisement, 2001:db8:2::1 is-at 02:00:00:00:02:01");
	unsigned char ra[16 + 8 + 32] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08, [16] = 1, 1, 2, 0, 0, 0, 0, 1,
		3, 4, 64, 0xc0, [40] = 0x20, 0x01, 0x0d, 0xb8, 0, 2 };
	n = frame6(f, "\x01", "fe80::1", "ff02::1", 58, ra, sizeof(ra));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 fe80::1 > ff02::1, hlim 255, "
	    "ICMPv6 router advertisement, router lifetime 1800 s, prefix 2001:db8:2::/64");
	unsigned char rs[8] = { 133 };
	n = frame6(f, "\x02", "fe80::2", "ff02::2", 58, rs, sizeof(rs));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:02, IPv6 fe80::2 > ff02::2, hlim 255, "
	    "ICMPv6 router solicitation");
	/* MLD behind a hop-by-hop header; UDP; a later fragment; truncated */
	unsigned char mld[8 + 8] = { 58, 0, 5, 2, 0, 0, 1, 0, 143 };
	n = frame6(f, "\x16", "fe80::2", "ff02::16", 0, mld, sizeof(mld));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:16, IPv6 fe80::2 > ff02::16, hlim 255, "
	    "ICMPv6 multicast listener report");
	unsigned char udp[8] = { 0x02, 0x22, 0x02, 0x23, 0, 8, 0, 0 };
	n = frame6(f, "\x01", "fe80::2", "ff02::1:2", 17, udp, sizeof(udp));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 fe80::2 > ff02::1:2, hlim 255, "
	    "UDP 546 > 547");
	unsigned char frag[16] = { 58, 0, 0, 0x08 };
	n = frame6(f, "\x01", "2001:db8::1", "2001:db8::2", 44, frag, sizeof(frag));
	expect_text(f, n, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6 2001:db8::1 > 2001:db8::2, "
	    "hlim 255, fragment");
	expect_text(f, 14 + 30, "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6, truncated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_tshark),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_frame_text),
		cmocka_unit_test(test_frame_text6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
