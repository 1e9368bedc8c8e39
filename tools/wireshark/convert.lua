-- Wireshark / tshark dissector for the 0-RTT TCP Convert Protocol of
-- RFC 8803 (Transport Converters), written for Wireshark 4.0 (Debian 12) and
-- later.
--
--   tshark -X lua_script:tools/wireshark/convert.lua -r capture.pcap
--   (or copy the file into ~/.local/lib/wireshark/plugins/)
--
-- What it does:
--   * frames each Convert message by its Total Length: the bytes after it
--     are application data, handed to the next dissector;
--   * reassembles a message split over TCP segments;
--   * decodes every TLV of the IANA registry (Info, Connect with its TCP
--     options, Extended TCP Header, Supported TCP Extensions, Cookie, Error
--     with each code's Value);
--   * reports, as expert info named convert.rule.<Rule>, every rule of
--     convtest's reference decoder (packetgen, DecodeRule) that a message
--     breaks, in the same order the reference checks them;
--   * flags draft-era messages (bytes 2-3 = 0x0000 instead of the magic).
-- It is registered on the Convert port (preference, default 5124) and as a
-- heuristic on SYN payloads (then the whole connection is Convert).

local convert = Proto("convert", "0-RTT TCP Convert Protocol (RFC 8803)")

local DEFAULT_PORT = 5124
local MAGIC = 0x2263
local DRAFT_MAGIC = 0x0000 -- draft-ietf-tcpm-converters-06: "Unassigned, MUST be zero"
local WORD = 4
local HEADER_SIZE = 4
local BASE_CONNECT_SIZE = 20

local TLV = { INFO = 1, CONNECT = 10, EXT_TCP_HEADER = 20, SUPPORTED = 21, COOKIE = 22, ERROR = 30 }

local tlv_names = {
    [0] = "Reserved",
    [1] = "Info",
    [10] = "Connect",
    [20] = "Extended TCP Header",
    [21] = "Supported TCP Extensions",
    [22] = "Cookie",
    [30] = "Error",
}

local error_names = {
    [0] = "Unsupported Version",
    [1] = "Malformed Message",
    [2] = "Unsupported Message",
    [3] = "Missing Cookie",
    [32] = "Not Authorized",
    [33] = "Unsupported TCP Option",
    [64] = "Resource Exceeded",
    [65] = "Network Failure",
    [96] = "Connection Reset",
    [97] = "Destination Unreachable",
}

-- How each error code lays out its Value (RFC 8803 section 6.2.8).
local ERROR_SHAPE = {
    [0] = "list", [33] = "list", -- one byte per version / option kind, zero-padded
    [1] = "echo", [2] = "echo", [3] = "cookie", -- byte 3 zero, then echo or cookie
    [32] = "zero", [96] = "zero", -- a single byte that must be 0
    [64] = "backoff", [65] = "backoff", -- retry after this many seconds (0: the default, >= 30 s)
    [97] = "icmp", -- the ICMP Code received
}

local option_names = {
    [0] = "End of Option List", [1] = "No-Operation", [2] = "Maximum Segment Size",
    [3] = "Window Scale", [4] = "SACK Permitted", [5] = "SACK", [8] = "Timestamps",
    [19] = "MD5 Signature", [27] = "Quick-Start Response", [28] = "User Timeout",
    [29] = "TCP Authentication Option", [30] = "Multipath TCP", [34] = "TCP Fast Open Cookie",
    [69] = "Encryption Negotiation", [172] = "AccECN Order 0", [174] = "AccECN Order 1",
    [253] = "Experimental (RFC 4727)", [254] = "Experimental (RFC 4727)",
}

local mptcp_subtypes = {
    [0] = "MP_CAPABLE", [1] = "MP_JOIN", [2] = "DSS", [3] = "ADD_ADDR", [4] = "REMOVE_ADDR",
    [5] = "MP_PRIO", [6] = "MP_FAIL", [7] = "MP_FASTCLOSE", [8] = "MP_TCPRST", [15] = "MP_EXPERIMENTAL",
}

local directions = { [0] = "unknown", [1] = "client to converter", [2] = "converter to client" }
local C2T, T2C, ANY = 1, 2, 0

-- ------------------------------------------------------------------ fields

local f = {
    direction = ProtoField.uint8("convert.direction", "Direction", base.DEC, directions),
    header = ProtoField.none("convert.header", "Fixed header"),
    version = ProtoField.uint8("convert.version", "Version", base.DEC),
    total_length = ProtoField.uint8("convert.total_length", "Total Length (32-bit words)", base.DEC),
    message_length = ProtoField.uint16("convert.message_length", "Message length (bytes)", base.DEC),
    magic = ProtoField.uint16("convert.magic", "Magic Number", base.HEX),
    tlv = ProtoField.none("convert.tlv", "TLV"),
    tlv_type = ProtoField.uint8("convert.tlv.type", "Type", base.DEC, tlv_names),
    tlv_length = ProtoField.uint8("convert.tlv.length", "Length (32-bit words)", base.DEC),
    tlv_zero = ProtoField.uint16("convert.tlv.zero", "Zero / Unassigned", base.HEX),
    tlv_value = ProtoField.bytes("convert.tlv.value", "Value"),
    padding = ProtoField.bytes("convert.padding", "Padding"),
    connect_port = ProtoField.uint16("convert.connect.port", "Remote Peer Port", base.DEC),
    connect_address = ProtoField.ipv6("convert.connect.address", "Remote Peer IP Address"),
    connect_ipv4 = ProtoField.ipv4("convert.connect.ipv4", "Remote Peer IPv4 Address (IPv4-mapped)"),
    connect_options = ProtoField.bytes("convert.connect.options", "TCP Options"),
    ext_options = ProtoField.bytes("convert.ext_tcp_header.options", "Returned Extended TCP Header"),
    supported_kind = ProtoField.uint8("convert.supported.kind", "Supported TCP Extension", base.DEC, option_names),
    cookie = ProtoField.bytes("convert.cookie", "Opaque Cookie"),
    error_code = ProtoField.uint8("convert.error.code", "Error Code", base.DEC, error_names),
    error_version = ProtoField.uint8("convert.error.version", "Supported Version", base.DEC),
    error_option_kind = ProtoField.uint8("convert.error.option_kind", "Unsupported TCP Option", base.DEC, option_names),
    error_zero = ProtoField.uint8("convert.error.zero", "Zero", base.HEX),
    error_value = ProtoField.uint8("convert.error.value", "Value (must be 0)", base.DEC),
    error_backoff = ProtoField.uint8("convert.error.backoff", "Retry after (seconds, 0 = at least 30)", base.DEC),
    error_icmp_code = ProtoField.uint8("convert.error.icmp_code", "ICMP Code", base.DEC),
    error_echo = ProtoField.bytes("convert.error.echo", "Echoed message"),
    error_cookie = ProtoField.bytes("convert.error.cookie", "Cookie computed by the converter"),
    option = ProtoField.none("convert.tcp_option", "TCP option"),
    option_kind = ProtoField.uint8("convert.tcp_option.kind", "Kind", base.DEC, option_names),
    option_length = ProtoField.uint8("convert.tcp_option.length", "Length (bytes)", base.DEC),
    option_value = ProtoField.bytes("convert.tcp_option.value", "Value"),
    option_mss = ProtoField.uint16("convert.tcp_option.mss", "MSS", base.DEC),
    option_wscale = ProtoField.uint8("convert.tcp_option.wscale", "Shift count", base.DEC),
    option_tsval = ProtoField.uint32("convert.tcp_option.tsval", "TSval", base.DEC),
    option_tsecr = ProtoField.uint32("convert.tcp_option.tsecr", "TSecr", base.DEC),
    option_tfo_cookie = ProtoField.bytes("convert.tcp_option.tfo_cookie", "TFO cookie"),
    option_mptcp_subtype = ProtoField.uint8("convert.tcp_option.mptcp.subtype", "MPTCP subtype", base.DEC,
        mptcp_subtypes, 0xF0),
    option_mptcp_version = ProtoField.uint8("convert.tcp_option.mptcp.version", "MPTCP version", base.DEC, nil, 0x0F),
    option_mptcp_flags = ProtoField.uint8("convert.tcp_option.mptcp.flags", "MP_CAPABLE flags", base.HEX),
}
local field_list = {}
for _, field in pairs(f) do field_list[#field_list + 1] = field end
convert.fields = field_list

-- ------------------------------------------------------------ expert infos

-- One per rule of packetgen's strict decoder (convert::DecodeRule), with its
-- exact name, so that a capture's problems read like convtest's verdicts.
local rule_texts = {
    BadMagic = "bytes 2-3 are not the magic 0x2263: not a Convert message (CONV-005, CONV-010)",
    UnsupportedVersion = "version is not 1 (CONV-035, AMB-06)",
    TotalLengthZero = "Total Length 0: the connection must be reset (CONV-009)",
    NoTlvs = "a client message with no TLV (AMB-07; a header-only reply is fine, AMB-02)",
    TlvTruncated = "the bytes end inside the message",
    TlvLengthZero = "TLV Length 0 (CONV-063)",
    TlvOverrunsMessage = "TLV runs past Total Length (CONV-063)",
    ReservedType = "TLV type 0 is reserved (CONV-015)",
    UnknownType = "TLV type not defined by RFC 8803 (AMB-09)",
    WrongDirection = "TLV type its sender may not send (AMB-08)",
    DuplicateTlv = "TLV type appears twice (CONV-014)",
    BadInfoLength = "Info TLV with Length other than 1 (AMB-10)",
    ConnectTooShort = "Connect TLV shorter than 5 words",
    ForbiddenDestination = "Connect to a multicast, broadcast, loopback or unspecified address (CONV-021, AMB-22)",
    BadConnectOptionKind = "EOL or NOP in the Connect TCP Options field (CLI-016)",
    BadConnectOptionLength = "Connect TCP option length below 2 or past the TLV end (CONV-063)",
    NonZeroPadding = "padding byte not zero (CONV-012)",
    NonZeroField = "field that must be zero is not (CONV-019, CONV-029, CONV-040, AMB-23)",
    BadErrorCode = "Error code not defined by RFC 8803",
    MissingConnect = "client message with neither Connect nor Info (AMB-07)",
}
local warning_rules = { NonZeroPadding = true, NonZeroField = true }

local experts = {}
local expert_list = {}
for rule, text in pairs(rule_texts) do
    local severity = warning_rules[rule] and expert.severity.WARN or expert.severity.ERROR
    experts[rule] = ProtoExpert.new("convert.rule." .. rule, rule .. ": " .. text, expert.group.MALFORMED, severity)
    expert_list[#expert_list + 1] = experts[rule]
end
local draft_expert = ProtoExpert.new("convert.draft_magic",
    "bytes 2-3 are 0x0000: a draft-era (draft-ietf-tcpm-converters-06) message, without RFC 8803's magic",
    expert.group.PROTOCOL, expert.severity.NOTE)
local forbidden_kind_expert = ProtoExpert.new("convert.forbidden_kind",
    "RFC 8803 forbids listing this option kind (sections 6.2.4, 7)", expert.group.PROTOCOL, expert.severity.WARN)
expert_list[#expert_list + 1] = draft_expert
expert_list[#expert_list + 1] = forbidden_kind_expert
convert.experts = expert_list

-- ------------------------------------------------------------- preferences

convert.prefs.port = Pref.uint("Convert port", DEFAULT_PORT,
    "TCP port of the Transport Converter (RFC 8803 assigns none; 5124 is the usual default)")
convert.prefs.handoff_by_connect_port = Pref.bool("Application data by Connect port", true,
    "Hand the application data that follows a Connect TLV to the dissector of the port it names")

-- --------------------------------------------------------------- TCP state

local tcp_syn = Field.new("tcp.flags.syn")
local tcp_ack = Field.new("tcp.flags.ack")
local tcp_seq = Field.new("tcp.seq") -- relative: the SYN is 0, the first byte after it 1
local tcp_len = Field.new("tcp.len")

-- The last occurrence is the segment being dissected (an ICMP error may
-- quote an earlier TCP header in the same frame).
local function last_value(field)
    local all = { field() }
    local info = all[#all]
    return info and info.value
end

-- Where `tvb` starts in the sender's byte stream (0 = the first byte, where a
-- Convert message lives), or nil outside TCP.
local function stream_offset(tvb)
    local seq, seglen = last_value(tcp_seq), last_value(tcp_len)
    if seq == nil or seglen == nil then return nil end
    local len = tvb:reported_len()
    -- A reassembled tvb is a data source of its own (raw offset 0, where a
    -- segment's payload follows its headers), and only Convert messages,
    -- which start the stream, are ever reassembled.
    if tvb:offset() == 0 or len > seglen then return 0 end
    local segment_start = last_value(tcp_syn) and seq or seq - 1
    -- A shorter tvb is the rest of a segment after a reassembled message.
    return segment_start + (seglen - len)
end

-- Converter endpoints learnt by the heuristic ("address|port"), so that the
-- direction of later segments is known.
local heuristic_converters = {}

local function endpoint_key(address, port) return tostring(address) .. "|" .. tostring(port) end

local function direction_of(pinfo)
    if pinfo.dst_port == convert.prefs.port then return C2T end
    if pinfo.src_port == convert.prefs.port then return T2C end
    if heuristic_converters[endpoint_key(pinfo.dst, pinfo.dst_port)] then return C2T end
    if heuristic_converters[endpoint_key(pinfo.src, pinfo.src_port)] then return T2C end
    return ANY
end

-- ------------------------------------------------------------------ helpers

local data_dissector = Dissector.get("data")

local function hand_off(tvb, offset, pinfo, tree, port)
    if offset >= tvb:len() then return end
    local rest = tvb(offset):tvb()
    if port and convert.prefs.handoff_by_connect_port then
        local app = DissectorTable.get("tcp.port"):get_dissector(port)
        if app and app ~= convert.dissector then
            local ok = pcall(function() app:call(rest, pinfo, tree) end)
            if ok then return end
        end
    end
    data_dissector:call(rest, pinfo, tree)
end

-- Index (relative to tvb start) of the first non-zero byte in [from, to).
local function first_non_zero(tvb, from, to)
    for i = from, to - 1 do
        if tvb(i, 1):uint() ~= 0 then return i end
    end
    return nil
end

-- End of the list in [from, to) once the trailing zero bytes (padding) are dropped.
local function list_end(tvb, from, to)
    local finish = to
    while finish > from and tvb(finish - 1, 1):uint() == 0 do finish = finish - 1 end
    return finish
end

-- A decoding context: the message's bytes, its direction, and where rule
-- violations go. Echoed messages are decoded quietly: their faults are the
-- reason for the echo, not faults of the reply.
local function new_context(tvb, direction, quiet)
    return { tvb = tvb, direction = direction, quiet = quiet, seen = {}, rules = {}, summary = {} }
end

local function report(ctx, item, rule, offset, length)
    ctx.rules[#ctx.rules + 1] = rule
    if ctx.quiet then return end
    local len = math.max(0, math.min(length or 1, ctx.tvb:len() - offset))
    item:add_tvb_expert_info(experts[rule], ctx.tvb(offset, len))
end

local function report_non_zero(ctx, item, rule, from, to)
    local bad = first_non_zero(ctx.tvb, from, to)
    if bad then report(ctx, item, rule, bad, 1) end
end

local function add_padding(tree, tvb, from, to)
    if to > from then tree:add(f.padding, tvb(from, to - from)) end
end

-- ------------------------------------------------------------- TCP options

local function add_option_details(tree, tvb, pos, kind, length)
    local value_len = length - 2
    if value_len <= 0 then return end
    local value = tvb(pos + 2, value_len)
    if kind == 2 and value_len == 2 then
        tree:add(f.option_mss, value)
    elseif kind == 3 and value_len == 1 then
        tree:add(f.option_wscale, value)
    elseif kind == 8 and value_len == 8 then
        tree:add(f.option_tsval, tvb(pos + 2, 4))
        tree:add(f.option_tsecr, tvb(pos + 6, 4))
    elseif kind == 34 then
        tree:add(f.option_tfo_cookie, value)
    elseif kind == 30 then
        tree:add(f.option_mptcp_subtype, tvb(pos + 2, 1))
        tree:add(f.option_mptcp_version, tvb(pos + 2, 1))
        if value_len >= 2 and bit.rshift(tvb(pos + 2, 1):uint(), 4) == 0 then
            tree:add(f.option_mptcp_flags, tvb(pos + 3, 1))
        end
    else
        tree:add(f.option_value, value)
    end
end

-- One Kind/Len/Value block; `no_value_note` explains Len 2 in a Connect TLV.
local function add_option(tree, tvb, pos, length, no_value_note)
    local kind = tvb(pos, 1):uint()
    local name = option_names[kind] or ("kind " .. kind)
    local item = tree:add(f.option, tvb(pos, length))
    item:set_text(string.format("TCP option: %s (%d), length %d", name, kind, length))
    item:add(f.option_kind, tvb(pos, 1))
    if length >= 2 then
        item:add(f.option_length, tvb(pos + 1, 1))
        if length == 2 and no_value_note then item:append_text(no_value_note) end
        add_option_details(item, tvb, pos, kind, length)
    end
    return item
end

-- The TCP options of a segment (Extended TCP Header): EOL ends the list,
-- NOP is one byte, as in any TCP header.
local function add_segment_options(tree, tvb, from, to)
    local pos = from
    while pos < to do
        local kind = tvb(pos, 1):uint()
        if kind == 0 then
            add_option(tree, tvb, pos, 1)
            add_padding(tree, tvb, pos + 1, to)
            return
        elseif kind == 1 then
            add_option(tree, tvb, pos, 1)
            pos = pos + 1
        else
            local length = pos + 1 < to and tvb(pos + 1, 1):uint() or 0
            if length < 2 or pos + length > to then
                tree:add(f.option_value, tvb(pos, to - pos)):append_text(" (option length invalid)")
                return
            end
            add_option(tree, tvb, pos, length)
            pos = pos + length
        end
    end
end

-- The Connect TCP Options field (RFC 8803 Figure 19): Kind/Len blocks only,
-- zero padding to the word. Mirrors packetgen's scan_option_blocks: a zero
-- byte in the last three bytes of the field starts the padding, any other
-- zero or one byte is a forbidden EOL/NOP. Returns the blocks {pos, length},
-- where they end, and the first fault {rule, offset} if any.
local function scan_connect_options(tvb, from, to)
    local blocks = {}
    local pos = from
    while pos < to do
        local kind = tvb(pos, 1):uint()
        local tail = to - pos
        if kind == 0 and tail < WORD then
            local bad = first_non_zero(tvb, pos, to)
            return blocks, pos, bad and { "NonZeroPadding", bad }
        end
        if kind == 0 or kind == 1 then return blocks, pos, { "BadConnectOptionKind", pos } end
        if tail < 2 then return blocks, pos, { "BadConnectOptionLength", pos } end
        local length = tvb(pos + 1, 1):uint()
        if length < 2 or length > tail then return blocks, pos, { "BadConnectOptionLength", pos + 1 } end
        blocks[#blocks + 1] = { pos, length }
        pos = pos + length
    end
    return blocks, pos, nil
end

local function add_connect_options(ctx, tree, from, to)
    local tvb = ctx.tvb
    local blocks, blocks_end, fault = scan_connect_options(tvb, from, to)
    if blocks_end > from then
        local options = tree:add(f.connect_options, tvb(from, blocks_end - from))
        for _, block in ipairs(blocks) do
            add_option(options, tvb, block[1], block[2], " (no value: the converter generates its own)")
        end
    end
    if fault and fault[1] ~= "NonZeroPadding" then
        report(ctx, tree, fault[1], fault[2], 1)
        tree:add(f.option_value, tvb(blocks_end, to - blocks_end)):append_text(" (not decodable)")
        return
    end
    if blocks_end < to then
        local padding = tree:add(f.padding, tvb(blocks_end, to - blocks_end))
        if fault then report(ctx, padding, fault[1], fault[2], 1) end
    end
end

-- ---------------------------------------------------------------- TLV values

local function check_zero_field(ctx, tree, pos)
    local item = tree:add(f.tlv_zero, ctx.tvb(pos + 2, 2))
    report_non_zero(ctx, item, "NonZeroField", pos + 2, pos + 4)
end

local function is_ipv4_mapped(tvb, pos)
    return tvb(pos, 8):uint64():tonumber() == 0 and tvb(pos + 8, 4):uint() == 0xFFFF
end

-- RFC 8803 6.2.5 forbidden destinations, plus unspecified (AMB-22); mirrors
-- packetgen's classify().
local function address_class(tvb, pos)
    if is_ipv4_mapped(tvb, pos) then
        local a = tvb(pos + 12, 1):uint()
        if tvb(pos + 12, 4):uint() == 0xFFFFFFFF then return "broadcast" end
        if a == 0 then return "unspecified" end
        if a == 127 then return "loopback" end
        if a >= 224 and a <= 239 then return "multicast" end
        return nil
    end
    if tvb(pos, 1):uint() == 0xFF then return "multicast" end
    if first_non_zero(tvb, pos, pos + 15) == nil then
        local last = tvb(pos + 15, 1):uint()
        if last == 0 then return "unspecified" end
        if last == 1 then return "loopback" end
    end
    return nil
end

local function decode_info(ctx, tree, pos, size)
    if size ~= WORD then
        report(ctx, tree, "BadInfoLength", pos + 1, 1)
        return
    end
    check_zero_field(ctx, tree, pos)
end

local function decode_connect(ctx, tree, pos, size)
    local tvb = ctx.tvb
    if size < BASE_CONNECT_SIZE then
        report(ctx, tree, "ConnectTooShort", pos + 1, 1)
        if size > 2 then tree:add(f.tlv_value, tvb(pos + 2, size - 2)) end
        return
    end
    tree:add(f.connect_port, tvb(pos + 2, 2))
    local address = tree:add(f.connect_address, tvb(pos + 4, 16))
    local text
    if is_ipv4_mapped(tvb, pos + 4) then
        tree:add(f.connect_ipv4, tvb(pos + 16, 4)):set_generated()
        text = tostring(tvb(pos + 16, 4):ipv4())
    else
        text = "[" .. tostring(tvb(pos + 4, 16):ipv6()) .. "]"
    end
    ctx.connect_port = tvb(pos + 2, 2):uint()
    ctx.summary[#ctx.summary + 1] = string.format("Connect %s:%d", text, ctx.connect_port)
    local class = address_class(tvb, pos + 4)
    if class then
        address:append_text(" (" .. class .. ")")
        if ctx.direction == C2T then report(ctx, address, "ForbiddenDestination", pos + 4, 16) end
    end
    if size > BASE_CONNECT_SIZE then
        tree:append_text(" (Extended Connect)")
        add_connect_options(ctx, tree, pos + BASE_CONNECT_SIZE, pos + size)
    end
end

local function decode_ext_tcp_header(ctx, tree, pos, size)
    check_zero_field(ctx, tree, pos)
    if size > WORD then
        local options = tree:add(f.ext_options, ctx.tvb(pos + WORD, size - WORD))
        add_segment_options(options, ctx.tvb, pos + WORD, pos + size)
    end
end

-- Kinds RFC 8803 forbids in Supported TCP Extensions: EOL, NOP, MSS, WS, SACK, TCP-AO.
local forbidden_supported = { [0] = true, [1] = true, [2] = true, [3] = true, [5] = true, [29] = true }

local function decode_supported(ctx, tree, pos, size)
    local tvb = ctx.tvb
    check_zero_field(ctx, tree, pos)
    local finish = list_end(tvb, pos + WORD, pos + size)
    for i = pos + WORD, finish - 1 do
        local item = tree:add(f.supported_kind, tvb(i, 1))
        if forbidden_supported[tvb(i, 1):uint()] and not ctx.quiet then
            item:add_proto_expert_info(forbidden_kind_expert)
        end
    end
    add_padding(tree, tvb, finish, pos + size)
end

local function decode_cookie(ctx, tree, pos, size)
    check_zero_field(ctx, tree, pos)
    if size > WORD then tree:add(f.cookie, ctx.tvb(pos + WORD, size - WORD)) end
end

local dissect_message -- the echo of a Malformed/Unsupported Message is a message

local function decode_error_bytes(ctx, tree, pos, size, shape)
    local tvb = ctx.tvb
    local zero = tree:add(f.error_zero, tvb(pos + 3, 1))
    report_non_zero(ctx, zero, "NonZeroField", pos + 3, pos + 4)
    if size <= WORD then return end
    local bytes = tvb(pos + WORD, size - WORD)
    if shape == "cookie" then
        tree:add(f.error_cookie, bytes)
        return
    end
    local echo = tree:add(f.error_echo, bytes)
    if size - WORD >= HEADER_SIZE then dissect_message(bytes:tvb(), echo, ANY, true) end
end

local single_byte_fields = { zero = f.error_value, backoff = f.error_backoff, icmp = f.error_icmp_code }

local function decode_error(ctx, tree, pos, size)
    local tvb = ctx.tvb
    local code_item = tree:add(f.error_code, tvb(pos + 2, 1))
    local code = tvb(pos + 2, 1):uint()
    ctx.summary[#ctx.summary + 1] = "Error " .. (error_names[code] or tostring(code))
    local shape = ERROR_SHAPE[code]
    if shape == nil then
        report(ctx, code_item, "BadErrorCode", pos + 2, 1)
        tree:add(f.tlv_value, tvb(pos + 3, size - 3))
    elseif shape == "list" then
        local field = code == 0 and f.error_version or f.error_option_kind
        local finish = list_end(tvb, pos + 3, pos + size)
        for i = pos + 3, finish - 1 do tree:add(field, tvb(i, 1)) end
        add_padding(tree, tvb, finish, pos + size)
    elseif shape == "echo" or shape == "cookie" then
        decode_error_bytes(ctx, tree, pos, size, shape)
    else
        local value = tree:add(single_byte_fields[shape], tvb(pos + 3, 1))
        if shape == "backoff" and tvb(pos + 3, 1):uint() == 0 then value:append_text(" (default: at least 30 s)") end
        if shape == "zero" then report_non_zero(ctx, value, "NonZeroField", pos + 3, pos + 4) end
        report_non_zero(ctx, tree, "NonZeroPadding", pos + WORD, pos + size)
        add_padding(tree, tvb, pos + WORD, pos + size)
    end
end

local value_decoders = {
    [TLV.INFO] = decode_info,
    [TLV.CONNECT] = decode_connect,
    [TLV.EXT_TCP_HEADER] = decode_ext_tcp_header,
    [TLV.SUPPORTED] = decode_supported,
    [TLV.COOKIE] = decode_cookie,
    [TLV.ERROR] = decode_error,
}

local allowed_types = {
    [C2T] = { [TLV.INFO] = true, [TLV.CONNECT] = true, [TLV.COOKIE] = true },
    [T2C] = { [TLV.CONNECT] = true, [TLV.EXT_TCP_HEADER] = true, [TLV.SUPPORTED] = true, [TLV.ERROR] = true },
}

-- The type rules, in packetgen's order; a TLV that breaks one has no value
-- decoded (except a duplicate or wrong-direction TLV of a known type, shown
-- for reference), and does not count as seen.
local function type_fault(ctx, type)
    if type == 0 then return "ReservedType" end
    if value_decoders[type] == nil then return "UnknownType" end
    if ctx.direction ~= ANY and not allowed_types[ctx.direction][type] then return "WrongDirection" end
    if ctx.seen[type] then return "DuplicateTlv" end
    ctx.seen[type] = true
    return nil
end

-- ----------------------------------------------------------------- framing

-- One TLV at `pos`; returns the next position, or nil when framing stops.
local function dissect_tlv(ctx, root, pos, size, available)
    local tvb = ctx.tvb
    if available - pos < 2 then
        report(ctx, root, "TlvTruncated", pos, available - pos)
        return nil
    end
    local type, words = tvb(pos, 1):uint(), tvb(pos + 1, 1):uint()
    local tlv_size = words * WORD
    local shown = math.min(math.max(tlv_size, 2), available - pos)
    local tree = root:add(f.tlv, tvb(pos, shown))
    tree:set_text(string.format("TLV: %s (%d), %d bytes", tlv_names[type] or "unknown", type, tlv_size))
    tree:add(f.tlv_type, tvb(pos, 1))
    local length_item = tree:add(f.tlv_length, tvb(pos + 1, 1))
    if tlv_size == 0 then
        report(ctx, length_item, "TlvLengthZero", pos + 1, 1)
        return nil
    end
    if pos + tlv_size > size then
        report(ctx, length_item, "TlvOverrunsMessage", pos + 1, 1)
        if available - pos > 2 then tree:add(f.tlv_value, tvb(pos + 2, available - pos - 2)) end
        return nil
    end
    local fault = type_fault(ctx, type)
    if fault then report(ctx, tree, fault, pos, 1) end
    if pos + tlv_size > available then
        report(ctx, tree, "TlvTruncated", available, 0)
        return nil
    end
    local decoder = value_decoders[type]
    if decoder and (fault == nil or fault == "DuplicateTlv" or fault == "WrongDirection") then
        decoder(ctx, tree, pos, tlv_size)
    elseif tlv_size > 2 then
        tree:add(f.tlv_value, tvb(pos + 2, tlv_size - 2))
    end
    if fault == nil and type ~= TLV.CONNECT and type ~= TLV.ERROR then
        ctx.summary[#ctx.summary + 1] = tlv_names[type]
    end
    return pos + tlv_size
end

-- The fixed header, checked in packetgen's order: magic, version, Total
-- Length. Returns the message size in bytes, or nil when the rest cannot be
-- framed (not a Convert message, or Total Length 0).
local function dissect_header(ctx, root)
    local tvb = ctx.tvb
    local header = root:add(f.header, tvb(0, HEADER_SIZE))
    header:add(f.version, tvb(0, 1))
    header:add(f.total_length, tvb(1, 1))
    local magic_item = header:add(f.magic, tvb(2, 2))
    local magic, version, words = tvb(2, 2):uint(), tvb(0, 1):uint(), tvb(1, 1):uint()
    if magic ~= MAGIC then
        report(ctx, magic_item, "BadMagic", 2, 2)
        if magic ~= DRAFT_MAGIC then return nil end
        if not ctx.quiet then magic_item:add_proto_expert_info(draft_expert) end
        ctx.draft = true
    end
    if version ~= 1 then report(ctx, header, "UnsupportedVersion", 0, 1) end
    if words == 0 then
        report(ctx, header, "TotalLengthZero", 1, 1)
        return nil
    end
    header:add(f.message_length, tvb(1, 1), words * WORD):set_generated()
    if words == 1 and ctx.direction ~= T2C then report(ctx, header, "NoTlvs", 1, 1) end
    return words * WORD
end

-- Decodes the Convert message at the start of `tvb` under `tree`. Returns
-- the number of bytes it takes (application data follows), and the context.
dissect_message = function(tvb, tree, direction, quiet)
    local ctx = new_context(tvb, direction, quiet)
    local root = tree:add(convert, tvb(0, math.min(tvb:len(), HEADER_SIZE)))
    if not quiet then root:add(f.direction, direction):set_generated() end
    local size = dissect_header(ctx, root)
    if size == nil then return (ctx.rules[1] == "TotalLengthZero") and HEADER_SIZE or 0, ctx end
    local available = math.min(tvb:len(), size)
    root:set_len(available)
    local pos = HEADER_SIZE
    while pos and pos < size do pos = dissect_tlv(ctx, root, pos, size, available) end
    if pos == size and direction == C2T and not ctx.seen[TLV.CONNECT] and not ctx.seen[TLV.INFO] then
        report(ctx, root, "MissingConnect", HEADER_SIZE, size - HEADER_SIZE)
    end
    local version = tvb(0, 1):uint()
    root:append_text(string.format(", v%d, %d bytes%s", version, size, ctx.draft and " (draft-06)" or ""))
    return available, ctx
end

-- How many more bytes the message at the start of `tvb` needs to be whole
-- (0 when it is, or when its header makes framing impossible).
local function missing_bytes(tvb)
    local len = tvb:len()
    if len < HEADER_SIZE then return HEADER_SIZE - len end
    local magic = tvb(2, 2):uint()
    if magic ~= MAGIC and magic ~= DRAFT_MAGIC then return 0 end
    return math.max(0, tvb(1, 1):uint() * WORD - len)
end

local function set_columns(pinfo, ctx, direction)
    pinfo.cols.protocol = "Convert"
    local arrow = direction == C2T and "C→T" or (direction == T2C and "T→C" or "")
    local text = #ctx.summary > 0 and table.concat(ctx.summary, ", ") or "header only"
    if #ctx.rules > 0 then text = text .. " [" .. ctx.rules[1] .. "]" end
    pinfo.cols.info:append(string.format(" Convert %s %s", arrow, text))
end

-- `from_heuristic`: Wireshark 4.0 shows a heuristic dissector can_desegment 0
-- although TCP honours the request (a SYN heuristic must reassemble too).
local function dissect(tvb, pinfo, tree, from_heuristic)
    local offset = stream_offset(tvb)
    if offset ~= nil and offset ~= 0 then
        -- Past the Convert message: application data.
        data_dissector:call(tvb, pinfo, tree)
        return tvb:len()
    end
    local needed = missing_bytes(tvb)
    if needed > 0 and (pinfo.can_desegment > 0 or from_heuristic) then
        pinfo.desegment_offset = 0
        pinfo.desegment_len = needed
        return tvb:len()
    end
    local direction = direction_of(pinfo)
    local consumed, ctx = dissect_message(tvb, tree, direction, false)
    set_columns(pinfo, ctx, direction)
    hand_off(tvb, consumed, pinfo, tree, ctx.connect_port)
    return tvb:len()
end

function convert.dissector(tvb, pinfo, tree) return dissect(tvb, pinfo, tree, false) end

-- ---------------------------------------------------------------- heuristic

-- A SYN (or SYN-ACK) payload that starts with an RFC 8803 header, or with a
-- draft-era one (magic 0x0000) followed by a known TLV type.
local function looks_like_convert(tvb)
    if tvb:len() < HEADER_SIZE or tvb(0, 1):uint() ~= 1 or tvb(1, 1):uint() == 0 then return false end
    local magic = tvb(2, 2):uint()
    if magic == MAGIC then return true end
    return magic == DRAFT_MAGIC and tvb:len() > HEADER_SIZE and tlv_names[tvb(4, 1):uint()] ~= nil
        and tvb(4, 1):uint() ~= 0
end

local function heuristic(tvb, pinfo, tree)
    if not last_value(tcp_syn) or not looks_like_convert(tvb) then return false end
    if last_value(tcp_ack) then
        heuristic_converters[endpoint_key(pinfo.src, pinfo.src_port)] = true
    else
        heuristic_converters[endpoint_key(pinfo.dst, pinfo.dst_port)] = true
    end
    pinfo.conversation = convert -- every later segment of the connection comes here
    dissect(tvb, pinfo, tree, true)
    return true
end

-- ------------------------------------------------------------- registration

local registered_port = nil

local function register_port()
    local tcp_port = DissectorTable.get("tcp.port")
    if registered_port then tcp_port:remove(registered_port, convert) end
    registered_port = convert.prefs.port
    tcp_port:add(registered_port, convert)
end

function convert.prefs_changed() register_port() end

function convert.init() heuristic_converters = {} end

register_port()
convert:register_heuristic("tcp", heuristic)
