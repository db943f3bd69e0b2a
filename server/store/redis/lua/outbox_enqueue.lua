-- Records push intents, then applies the outbox's bound (lib/outbox.lua). ARGV after the
-- named: 5 per intent (user, title, body, data, created_ms). Returns {dropped, id...}.
-- include lib/outbox.lua
local next_key, ids_key, data_key, by_user_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local bound = ARGV[1]

local k = {next = next_key, ids = ids_key, data = data_key, by_user = by_user_key}
local out = {0}
for i = 2, #ARGV, 5 do
  out[#out + 1] = outbox_add(k, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
                             tonumber(ARGV[i + 4]))
end
out[1] = outbox_trim(k, tonumber(bound), 0)
return out
