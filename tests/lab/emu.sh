# tests/lab/emu.sh - helpers shared by the emu_mta_*.sh tests: one scripted
# client session through mailguard-emulate in front of a real MTA, with
# what each side saw collected for the oracle (tests/lab/emucheck.py).
# Source after tests/lib.sh, with MTA_* set (mg_start_mta) and the
# emulator running (mg_start_emulate).
#
#	emu_session NAME STEP...   smtpchat via the emulator; leaves
#		$MG_TMP/NAME.chat (client transcript), NAME.raw (client bytes),
#		NAME.mta-replies and NAME.mta-cmds (from the MTA's log, this
#		session only); returns smtpchat's status
#	emu_check NAME BANNER EHLO  run the oracle (see emucheck.py), fail the
#		test on a mismatch
#	emu_mta_cmds_has NAME ESC / emu_mta_cmds_lacks NAME ESC
#	emu_client_has NAME ESC / emu_client_lacks NAME ESC

emu_session()
{
	_emu_n=$1
	shift
	_emu_off=$(mg_mta mark "$MTA_DIR")
	mg_chat "$_emu_n" 127.0.0.1 "$MG_EMU_PORT" "$@"
	_emu_rc=$?
	# the MTA logs asynchronously (Postfix through postlogd): wait for
	# its 221 when the client said QUIT and got an answer
	if grep -q '^S: 221' "$MG_TMP/$_emu_n.chat"; then
		_emu_i=100
		while [ "$_emu_i" -gt 0 ] &&
		    ! mg_mta replies "$MTA_DIR" "$_emu_off" | grep -q '^221'; do
			sleep 0.1
			_emu_i=$((_emu_i - 1))
		done
	else
		sleep 1
	fi
	mg_mta replies "$MTA_DIR" "$_emu_off" >"$MG_TMP/$_emu_n.mta-replies"
	mg_mta commands "$MTA_DIR" "$_emu_off" >"$MG_TMP/$_emu_n.mta-cmds"
	return "$_emu_rc"
}

emu_check()
{
	if ! "$MG_PYTHON" "$top_srcdir/tests/lab/emucheck.py" "$2" "$3" \
	    "$MG_TMP/$1.mta-replies" "$MG_TMP/$1.chat" \
	    "$MG_TMP/$1.mta-cmds" >"$MG_TMP/$1.check" 2>&1; then
		cat "$MG_TMP/$1.check" >&2
		echo "--- client transcript" >&2
		cat "$MG_TMP/$1.chat" >&2
		echo "--- MTA received" >&2
		cat "$MG_TMP/$1.mta-cmds" >&2
		mg_fail "$1: what the client saw is not the $2/$3 rewrite of" \
		    "what $MTA_NAME sent"
	fi
}

emu_mta_cmds_has()
{
	mg_assert_has "$MG_TMP/$1.mta-cmds" "$2" "$MTA_NAME received"
}

emu_mta_cmds_lacks()
{
	mg_assert_lacks "$MG_TMP/$1.mta-cmds" "$2" "$MTA_NAME received"
}

emu_client_has()
{
	mg_assert_has "$MG_TMP/$1.raw" "$2" "client saw"
}

emu_client_lacks()
{
	mg_assert_lacks "$MG_TMP/$1.raw" "$2" "client saw"
}
