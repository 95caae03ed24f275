# A server with next to no start-up cost of its own, for `npm run bench:selfcheck`: perl with
# no modules at all (≈2 ms to start), sleeps WORK_MS, then answers every request on
# 127.0.0.1:$PORT with "Hello World". Its start-up barely varies with machine load, so the
# two instruments can be compared to well under 2%. Constants are Linux's (socket(2), ip(7)).
#   usage: PORT=N WORK_MS=200 perl benchmarks/selfcheck.server.pl
select(undef, undef, undef, ($ENV{WORK_MS} || 0) / 1000);
socket(my $srv, 2, 1, 6) or die "selfcheck.server: socket: $!\n";     # AF_INET, SOCK_STREAM, TCP
setsockopt($srv, 1, 2, pack('i', 1)) or die "setsockopt: $!\n";        # SOL_SOCKET, SO_REUSEADDR
bind($srv, pack('S n a4 x8', 2, $ENV{PORT}, "\x7f\0\0\1")) or die "selfcheck.server: bind 127.0.0.1:$ENV{PORT}: $!\n";
listen($srv, 128) or die "selfcheck.server: listen: $!\n";
while (accept(my $c, $srv)) {
  my $req = '';
  while (sysread($c, my $buf, 4096)) { $req .= $buf; last if $req =~ /\r\n\r\n/; }
  syswrite($c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nHello World");
  close($c);
}
