# mailguard.fp - fingerprints of SMTP-inspecting middleboxes, as data.
#
# Format: docs/fingerprints.md.  Facts: docs/fingerprints.md (computed by
# src/facts_derive.c).  Behaviour reference: middlebox-behaviour.md of the
# project's shared docs (sections cited as "ref 2", "ref 4.1"...).
# Every fingerprint that matches is reported; weights are summed per family
# and the heaviest family wins; the heaviest matching fingerprint of that
# family names the generation.  Keep a positive and a negative unit test for
# each entry in tests/unit/test_fp.c.

# ------------------------------------------------------------- effects
effect banner-hidden "The greeting banner is masked with '*': the server's name and software are hidden, and clients such as Postfix switch to PIX workarounds."
effect esmtp-blocked "EHLO is refused or turned into NOOP: no ESMTP extension (SIZE, 8BITMIME, PIPELINING, AUTH, STARTTLS, CHUNKING) can be negotiated."
effect bodytype-554 "8BITMIME/BINARYMIME cannot be negotiated: Exchange senders get the NDR '554 5.6.1 Body type not supported by Remote Host'."
effect auth-stripped "AUTH is not available to clients: they see '550 5.7.1 relaying denied' (Outlook error 0x800CCC79) because the server thinks an unauthenticated client relays."
effect tls-never-esmtp "TLS will never be negotiated: STARTTLS, like every ESMTP verb, is refused or turned into NOOP by the PIX."
effect tls-never "TLS will never be negotiated: STARTTLS is masked in the EHLO reply (250-XXXXXXXA) and answered '500 command not recognized' when sent; mail that requires TLS (hybrid/cloud connectors) is stuck."
effect exchange-451 "Exchange verbs (X-LINK2STATE, XEXCH50, X-EXPS) are refused: routing-group link state breaks and Exchange servers report '451 5.7.3 Cannot achieve Exchange Server authentication'."
effect chunking-garbled "BDAT/CHUNKING is refused: binary data sent as command lines gets X-filled, giving missing or garbled attachments and lines of XXXXXXXX."
effect eod-duplicates "The end-of-data marker is swallowed when '\\r\\n.' and '\\r\\n' arrive in separate segments (Cisco bug CSCds90792): the sender never gets 250, retries, and recipients get the same message again and again for hours."
effect greeting-hang "A multi-line greeting is masked including its final '220 ' line, so clients wait forever for the end of the greeting."
effect box-answers-ok "The firewall answers commands it does not pass with 'OK' itself: EHLO, AUTH and other verbs look accepted but never reach the server."
effect telnet-hang "A command typed one character per segment (a telnet test to port 25) is X-filled: manual tests hang or get 500/550."
effect conn-dropped "Connections are closed in the middle of the dialogue (a drop-connection class matched: command line > 512, more than 100 RCPT, header line > 998)."
effect proxy-strips "A proxy in the path answers for the server and removes extensions the server really offers (seen inside TLS): senders cannot use them."

# ------------------------------------------------------------- PIX 4.0/4.1 mailhost
fingerprint pix-4.1-cmap
  family pix
  generation pix-4.1
  weight 60
  match greeting.class == pix-cmap
  ref "ref 2, PIX 4.0/4.1 mailhost: greeting of the form 220 SMTP/cmap____read (DOC, exact bytes INF)"
  effect esmtp-blocked box-answers-ok bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-4.1-ok
  family pix
  generation pix-4.1
  weight 40
  match greeting.class == clear
  match unknown.text == "250 OK"
  match ehlo.code == 250
  match ehlo.keywords == 0
  match helo.text != "250 OK"
  ref "ref 2 and 4.3, Microsoft's Mailguard test: 'goodmorning' answered OK by PIX 4.x itself while HELO reaches the server"
  effect esmtp-blocked box-answers-ok bodytype-554 auth-stripped tls-never-esmtp
end

# ------------------------------------------------------------- PIX 4.2-4.4 fixup
fingerprint pix-4.4-after4
  family pix
  generation pix-4.4
  weight 60
  match greeting.class == pix-after4
  ref "ref 2, PIX 4.4 converts all characters of the banner to * (DOC); multi-line greeting kept 220- and masked the whole next line (OBS, one user report)"
  effect banner-hidden greeting-hang esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-4.4-star-ehlo-refused
  family pix
  generation pix-4.4
  weight 45
  match greeting.class == asa-star
  match ehlo.code >= 500
  unless verb.HELP.code == 250
  ref "ref 2: banner masked after 4 bytes and EHLO refused (X-filled); an ASA passes EHLO, so a star banner with EHLO refused is PIX fixup"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-star-noop-args-refused
  family pix
  generation pix-6.3
  weight 50
  match greeting.class == asa-star
  match ehlo.code >= 500
  match verb.HELP.code == 250
  ref "ref 2 (a): refused verbs overwritten with NOOP. A server that refuses NOOP with arguments (OpenSMTPD: 'command does not accept arguments') answers the rewritten EHLO with 500, but a bare HELP becomes a bare NOOP and gets 250; under X-fill (PIX 4.4) HELP gets 500"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

# ------------------------------------------------------------- PIX 5.1-6.3 fixup
fingerprint pix-ehlo-xquoted
  family pix
  generation pix-6.3
  weight 30
  match ehlo.xquoted == 1
  ref "ref 2: PIX fixup X-fills EHLO (not in the RFC 821 seven) and the server quotes XXXX back; an ASA passes EHLO"
  effect esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-2-0-greeting
  family pix
  generation pix-6.3
  weight 40
  match greeting.class == pix-2-0
  ref "ref 2 and 4.1, PIX 5.1-6.3: every banner byte but 2, 0 and a space after 0 becomes * (DOC + one sample); Postfix smtp_proto.c strspn(text, \"20 *\\t\\n\")"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-ehlo-noop
  family pix
  generation pix-6.3
  weight 35
  match greeting.class != clear
  match greeting.class != smtp-sink
  match ehlo.code == 250
  match ehlo.keywords == 0
  match unknown.code == 250
  ref "ref 2 (a) and 4.2: refused verbs overwritten with NOOP, so the server answers 250 with no keywords (OBS, seen on PIX 6.2); Microsoft symptom list: EHLO answered OK"
  effect esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp exchange-451
end

fingerprint pix-star-banner-noop
  family pix
  generation pix-6.3
  weight 30
  match greeting.class == asa-star
  match ehlo.code == 250
  match ehlo.keywords == 0
  match unknown.code == 250
  ref "ref 2: a banner with no 2 or 0 is all stars under the PIX 5.1-6.3 rule too; with the NOOP rewrite (EHLO and an unknown verb answered 250) it is a PIX, since an ASA passes EHLO and X-fills unknown verbs"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-ehlo-noop-capture
  family pix
  generation pix-6.3
  weight 25
  match greeting.class == pix-2-0
  match ehlo.code == 250
  match ehlo.keywords == 0
  ref "ref 2 (a): EHLO rewritten to NOOP behind a 2/0-masked banner (seen from a capture with no unknown-verb probe)"
  effect esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-star-ehlo-noop-capture
  family pix
  generation pix-6.3
  weight 25
  match greeting.class == asa-star
  match ehlo.code == 250
  match ehlo.keywords == 0
  unless unknown.code exists
  ref "ref 2 (a): EHLO answered by a bare 250 behind a star banner (a PIX 5/6 banner with no 2 or 0); an ASA passes EHLO and the server's keywords, so this is the NOOP rewrite (captured session without an unknown verb)"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-ehlo-xfill
  family pix
  generation pix-6.3
  weight 30
  match greeting.class == pix-2-0
  match ehlo.code >= 500
  ref "ref 2 (b): refused verbs X-filled so the server answers 500 (OBS: Exchange 5.5 answered EHLO with 500 Unrecognized command)"
  effect esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp exchange-451
end

fingerprint pix-5.1-eod-bug
  family pix
  generation pix-5.1
  weight 55
  match greeting.class == pix-2-0
  match eod_split.answered == 0
  ref "Cisco bug CSCds90792 (before 5.2(4) and 6.0(1)): terminator split over two segments is swallowed, no 250 after the body"
  effect eod-duplicates esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-5.1-eod-bug-star
  family pix
  generation pix-5.1
  weight 35
  match greeting.class == asa-star
  match eod_split.answered == 0
  ref "Cisco bug CSCds90792 (before 5.2(4) and 6.0(1)): a masked banner (all stars: PIX 5.x+ on a banner with no 2 or 0, or ASA) and the split terminator never answered while the client waited (or answered only after it gave up); an ASA has no such bug, so the weight is low: a server that takes longer than the client waited would look the same; a capture session that used HELO only has nothing else to tell"
  effect eod-duplicates esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-5.1-eod-bug-noop
  family pix
  generation pix-5.1
  weight 55
  match ehlo.code == 250
  match ehlo.keywords == 0
  match unknown.code == 250
  match eod_split.answered == 0
  ref "Cisco bug CSCds90792 with the NOOP rewrite of PIX 5.1+ (ref 2)"
  effect eod-duplicates esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-5.1-eod-bug-noop-args
  family pix
  generation pix-5.1
  weight 55
  match greeting.class == asa-star
  match ehlo.code >= 500
  match verb.HELP.code == 250
  match eod_split.answered == 0
  ref "Cisco bug CSCds90792 (before 5.2(4) and 6.0(1)): split terminator swallowed, no reply after the body; behind the NOOP rewrite of PIX 5.1+ (ref 2 (a)) in front of a server that refuses NOOP with arguments (OpenSMTPD): EHLO 500, bare HELP 250, as in pix-star-noop-args-refused"
  effect eod-duplicates esmtp-blocked bodytype-554 auth-stripped tls-never-esmtp
end

fingerprint pix-vrfy-refused
  family pix
  generation pix-6.3
  weight 20
  match greeting.class != clear
  match greeting.class != smtp-sink
  match verb.VRFY.same_as_unknown == 1
  ref "ref 2: PIX fixup (4.2-6.3) and Mailguard (4.0/4.1) pass only the seven RFC 821 4.5.1 commands; VRFY is not one, though RFC 5321 4.5.1 requires every server to implement it and an ASA passes it (its fifteen): VRFY coming back exactly like an unknown verb (X-filled, NOOP'd or answered OK) behind a masked banner is the box refusing it. Any PIX generation; the heavier fingerprints name it"
end

# ------------------------------------------------------------- ASA inspect esmtp
fingerprint asa-banner-mask
  family asa
  generation asa
  weight 40
  match greeting.class == asa-star
  match ehlo.code == 250
  unless ehlo.keywords == 0
  ref "ref 2, ASA 7.x-9.x mask-banner (default map): every byte after 'DDD ' becomes * on every line (OBS, four samples); EHLO passes, so the reply carries the server's keywords (a bare 250 is PIX's NOOP rewrite behind a banner with no 2 or 0)"
  effect banner-hidden
end

fingerprint asa-ehlo-keyword-mask
  family asa
  generation asa
  weight 50
  match ehlo.masked >= 1
  match ehlo.mask_letters_ok == 1
  ref "ref 2 and 4.2, ASA match ehlo-reply-parameter others -> mask: keyword becomes X...X + A, B, C... (OBS, several samples)"
  effect tls-never chunking-garbled exchange-451
end

fingerprint asa-unknown-xfill
  family asa
  generation asa
  weight 20
  match unknown.xquoted == 1
  match ehlo.code == 250
  ref "ref 2, ASA: refused commands have every byte but CR LF turned into X; the server quotes XXXX back (DOC: 500 Command unknown: 'XXX')"
end

fingerprint asa-starttls-refused
  family asa
  generation asa
  weight 20
  match ehlo.kw.STARTTLS == masked
  match starttls.code >= 500
  ref "ref 3: 250-XXXXXXXA in the EHLO reply, then 500 to STARTTLS (no allow-tls, default map)"
  effect tls-never
end

fingerprint asa-telnet-xfill
  family asa
  generation asa
  weight 15
  match seg1.xquoted == 1
  match ehlo.code == 250
  ref "Cisco 113423 (ref 2 interactive telnet): a command sent one character per segment is X-filled"
  effect telnet-hang
end

fingerprint asa-allow-tls
  family asa
  generation asa-allow-tls
  weight 60
  match greeting.class == asa-star
  match starttls.offered == 1
  match tls.ok == 1
  ref "ref 2, allow-tls (7.2(3)+/8.0(3)+): STARTTLS left alone, inspection stops after 220; banner still masked"
  effect banner-hidden
end

fingerprint asa-allow-tls-inner
  family asa
  generation asa-allow-tls
  weight 60
  match tls.kw_xmasked_outside >= 1
  match ehlo.mask_letters_ok == 1
  match tls.ok == 1
  ref "ref 4.5: keywords present inside TLS are X+letter masked outside: ASA with allow-tls"
  effect chunking-garbled exchange-451
end

# ------------------------------------------------------------- other proxies
fingerprint proxy-checkpoint
  family proxy
  generation checkpoint-fw1
  weight 90
  match greeting.text contains "CheckPoint FireWall-1"
  ref "ref 2 other products: Check Point FireWall-1 SMTP Security Server greets 220 CheckPoint FireWall-1 secure SMTP server"
  effect proxy-strips
end

fingerprint proxy-smap
  family proxy
  generation smap
  weight 90
  match greeting.text contains "SMTP/smap"
  ref "ref 2 other products: TIS fwtk smap greets 220 <host> SMTP/smap Ready."
  effect proxy-strips
end

fingerprint proxy-watchguard
  family proxy
  generation watchguard
  weight 50
  match greeting.text == "SMTP service ready"
  ref "ref 2 other products: WatchGuard SMTP proxy greets 220 SMTP service ready and removes unknown ESMTP extensions"
  effect proxy-strips
end

fingerprint proxy-raptor
  family proxy
  generation raptor
  weight 90
  match greeting.text contains "Generic SMTP handler"
  ref "ref 2 other products: Symantec/Raptor greets 220 <host> Generic SMTP handler"
  effect proxy-strips
end

fingerprint proxy-raptor-help
  family proxy
  generation raptor
  weight 30
  match verb.HELP.text contains "Help not supported by this implementation"
  ref "ref 2 other products: Raptor answers HELP with 214 Help not supported by this implementation"
end

fingerprint proxy-tls-missing
  family proxy
  generation generic-proxy
  weight 50
  match tls.kw_missing_outside >= 1
  ref "ref 4.5: keywords missing outside but offered inside TLS, beyond RFC 3207 differences: something in the path rewrites EHLO"
  effect proxy-strips
end

fingerprint proxy-tls-host
  family proxy
  generation generic-proxy
  weight 30
  match tls.greeting_diff == 1
  ref "ref 4.5: the EHLO host line differs inside TLS: another host answered outside"
  effect proxy-strips
end

# ------------------------------------------------------------- nothing in the way
fingerprint clean-esmtp
  family none
  generation none
  weight 50
  match greeting.class == clear
  match ehlo.code == 250
  match ehlo.masked == 0
  match ehlo.keywords >= 1
  unless tls.kw_masked_outside >= 1
  unless greeting.text contains "CheckPoint FireWall-1"
  unless greeting.text contains "SMTP/smap"
  unless greeting.text contains "Generic SMTP handler"
  unless greeting.text == "SMTP service ready"
  ref "ref 4.1-4.2: intact greeting, EHLO answered with keywords, nothing masked"
end

fingerprint clean-helo-session
  family none
  generation none
  weight 20
  match greeting.class == clear
  match helo.code == 250
  match ehlo.code absent
  ref "ref 4.1: a captured session where the client used HELO only: an intact greeting and a normal HELO are all it can show"
end

fingerprint clean-unknown-refused
  family none
  generation none
  weight 10
  match greeting.class == clear
  match unknown.code >= 500
  match unknown.xquoted == 0
  ref "ref 4.3: 500 from the server to an unknown verb is normal when nothing is X-filled"
end

fingerprint clean-ehlo-refused-by-server
  family none
  generation esmtp-refused-by-server
  weight 40
  match greeting.class == clear
  match ehlo.code >= 500
  match ehlo.xquoted == 0
  match helo.code == 250
  ref "issue 4: a server that refuses EHLO but shows an intact greeting is not a PIX (every PIX masks or replaces the banner, ref 2)"
end

fingerprint clean-smtp-sink
  family none
  generation smtp-sink
  weight 40
  match greeting.class == smtp-sink
  ref "ref 4.1: 220 ******** (exactly eight *) is Postfix's own smtp-sink -P test server, not a firewall"
end

fingerprint clean-tls-same
  family none
  generation none
  weight 20
  match tls.ok == 1
  match tls.kw_masked_outside == 0
  match tls.greeting_diff == 0
  match ehlo.masked == 0
  ref "ref 4.5: the EHLO reply inside TLS matches the one outside (RFC 3207 differences aside)"
end

# ------------------------------------------------------------- fixes
fix pix-4.1
  line "! PIX 4.0/4.1 Mailguard: remove the mailhost entry and publish the server with static + conduit"
  line "no mailhost <outside-address> <inside-address>"
  line "static (inside,outside) <outside-address> <inside-address>"
  line "conduit permit tcp host <outside-address> eq smtp any"
end

fix pix-4.4
  line "configure terminal"
  line "no fixup protocol smtp 25"
  line "write memory"
  line "clear xlate"
end

fix pix-5.1
  line "configure terminal"
  line "no fixup protocol smtp 25"
  line "write memory"
  line "clear xlate"
  line "! or upgrade to 5.2(4) / 6.0(1) or later for CSCds90792 (end-of-data bug)"
end

fix pix-6.3
  line "configure terminal"
  line "no fixup protocol smtp 25"
  line "write memory"
  line "clear xlate"
end

fix asa
  line "policy-map type inspect esmtp MAILGUARD_ESMTP"
  line " parameters"
  line "  allow-tls"
  line "  no mask-banner"
  line " match ehlo-reply-parameter others"
  line "  log"
  line "policy-map global_policy"
  line " class inspection_default"
  line "  inspect esmtp MAILGUARD_ESMTP"
  line "! or, to stop inspecting SMTP altogether:"
  line "!  policy-map global_policy / class inspection_default / no inspect esmtp"
end

fix asa-allow-tls
  line "policy-map type inspect esmtp MAILGUARD_ESMTP"
  line " parameters"
  line "  allow-tls"
  line "  no mask-banner"
  line " match ehlo-reply-parameter others"
  line "  log"
  line "policy-map global_policy"
  line " class inspection_default"
  line "  inspect esmtp MAILGUARD_ESMTP"
end

fix checkpoint-fw1
  line "Remove the SMTP resource (SMTP Security Server) from the rule for the mail server, or allow ESMTP extensions in the resource."
end

fix smap
  line "Let SMTP reach the mail server directly (remove smap/smapd from the path) or have it pass ESMTP."
end

fix watchguard
  line "In the SMTP proxy action, allow the ESMTP extensions the server offers (or use a packet filter for SMTP to this server)."
end

fix raptor
  line "Replace the Raptor generic SMTP handler for this server with a packet rule, or allow the ESMTP verbs it needs."
end

fix generic-proxy
  line "A proxy or ALG in the path strips ESMTP extensions: find it (the path probes and the TTL of the SYN-ACK help) and disable SMTP inspection for this server."
end
