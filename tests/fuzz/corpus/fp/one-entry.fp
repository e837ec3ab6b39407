effect banner-hidden "The greeting banner is masked with '*': the server's name and software are hidden, and clients such as Postfix switch to PIX workarounds."
effect esmtp-blocked "EHLO is refused or turned into NOOP: no ESMTP extension (SIZE, 8BITMIME, PIPELINING, AUTH, STARTTLS, CHUNKING) can be negotiated."

fingerprint x
  family asa
  weight 50
  match greeting.class == clear
  match ehlo.keywords == 0
  ref "r"
  effect esmtp-blocked
end
