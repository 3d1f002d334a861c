-- One wrk script for every endpoint. Arguments after `--`, each `key=value`:
--   method=POST  path=/token  header=Name: value (repeatable)  prefix=<body>
--   tokens=<file> suffix=<text>  threads=<wrk -t>
-- With tokens=, each request's body is prefix .. <next token from the file> .. suffix: a
-- token is taken once and never again, however many threads or reconnections there are.
-- The file must hold enough tokens; when it runs dry the request carries "exhausted" and
-- fails, so the run shows non-2xx answers instead of reusing a token.
-- done() prints one line the bench parses: "bench: used=<tokens taken> non2xx=<count>".

local method, path, prefix, suffix = "GET", "/", "", ""
local headers = {}
local tokens = nil
local threads_total = 1
local next_token = 1

-- globals of each thread's state, read back in done() with thread:get
used, non2xx = 0, 0

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   for i = 1, #args do
      local key, value = args[i]:match("^(%w+)=(.*)$")
      if key == "method" then method = value
      elseif key == "path" then path = value
      elseif key == "prefix" then prefix = value
      elseif key == "suffix" then suffix = value
      elseif key == "threads" then threads_total = tonumber(value)
      elseif key == "header" then
         local name, header_value = value:match("^([^:]+):%s*(.*)$")
         headers[name] = header_value
      elseif key == "tokens" then
         tokens = {}
         for line in io.lines(value) do tokens[#tokens + 1] = line end
      end
   end
   -- thread k of n takes tokens k, k+n, k+2n...: the threads never share one
   next_token = thread_number or 1
end

function request()
   local body = nil
   if tokens then
      local token = tokens[next_token] or "exhausted"
      next_token = next_token + threads_total
      used = used + 1
      body = prefix .. token .. suffix
   elseif prefix ~= "" then
      body = prefix
   end
   return wrk.format(method, path, headers, body)
end

function response(status, response_headers, response_body)
   if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
   local used_total, non2xx_total = 0, 0
   for _, thread in ipairs(threads) do
      used_total = used_total + thread:get("used")
      non2xx_total = non2xx_total + thread:get("non2xx")
   end
   io.write(string.format("bench: used=%d non2xx=%d\n", used_total, non2xx_total))
end
