effect banner-hidden "The greeting banner is masked with '*': the server's name and software are hidden, and clients such as Postfix switch to PIX workarounds."
effect esmtp-blocked "EHLO is refused or turned into NOOP: no ESMTP extension (SIZE, 8BITMIME, PIPELINING, AUTH, STARTTLS, CHUNKING) can be negotiated."
effect bodytype-554 "8BITMIME/BINARYMIME cannot be negotiated: Exchange senders get the NDR '554 5.6.1 Body type not supported by Remote Host'."
effect auth-stripped "AUTH is not available to clients: they see '550 5.7.1 relaying denied' (Outlook error 0x800CCC79) because the server thinks an unauthenticated client relays."
effect tls-never "TLS will never be negotiated: STARTTLS is masked in the EHLO reply (250-XXXXXXXA) and answered '500 command not recognized' when sent; mail that requires TLS (hybrid/cloud connectors) is stuck."
effect exchange-451 "Exchange verbs (X-LINK2STATE, XEXCH50, X-EXPS) are refused: routing-group link state breaks and Exchange servers report '451 5.7.3 Cannot achieve Exchange Server authentication'."
effect chunking-garbled "BDAT/CHUNKING is refused: binary data sent as command lines gets X-filled, giving missing or garbled attachments and lines of XXXXXXXX."
effect eod-duplicates "The end-of-data marker is swallowed when '\\r\\n.' and '\\r\\n' arrive in separate segments (Cisco bug CSCds90792): the sender never gets 250, retries, and recipients get the same message again and again for hours."
effect greeting-hang "A multi-line greeting is masked including its final '220 ' line, so clients wait forever for the end of the greeting."
effect box-answers-ok "The firewall answers commands it does not pass with 'OK' itself: EHLO, AUTH and other verbs look accepted but never reach the server."
effect telnet-hang "A command typed one character per segment (a telnet test to port 25) is X-filled: manual tests hang or get 500/550."
effect conn-dropped "Connections are closed in the middle of the dialogue (a drop-connection class matched: command line > 512, more than 100 RCPT, header line > 998)."
effect proxy-strips "A proxy in the path answers for the server and removes extensions the server really offers (seen inside TLS): senders cannot use them."

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
  effect esmtp-blocked box-answers-ok bodytype-554 auth-stripped tls-never
end

fingerprint pix-4.4-star-ehlo-refused
  family pix
  generation pix-4.4
  weight 45
  match greeting.class == asa-star
  match ehlo.code >= 500
  ref "ref 2: banner masked after 4 bytes and EHLO refused (X-filled); an ASA passes EHLO, so a star banner with EHLO refused is PIX fixup"
  effect banner-hidden esmtp-blocked bodytype-554 auth-stripped tls-never
end
