-- A library nobody calls.
local function muster_unused()
  return 1
end
