-- Headless Neovim driving `deckc lsp --stdio` through its own LSP client (vim.lsp), as an
-- author would: open a card file, wait for the diagnostics, pick a quick fix and then "fix
-- all" from the code action menu (vim.ui.select answered here), see another file changed on
-- disk, and ask for the outline and a hover. Written for Neovim 0.7 (Debian 12's) and later: vim.lsp.start where it exists (0.8+),
-- vim.lsp.start_client before. Every wait is vim.wait, bounded, polling every 20 ms.
--
-- In (environment): DECKC_LSP_CMD (the server's argv, JSON), DECKC_ROOT, DECKC_FILE,
-- DECKC_OTHER and DECKC_OTHER_TEXT (a file of the root to rewrite on disk, and its new text),
-- DECKC_OUT (where the results go, JSON). Exits 0 after writing them, 1 (cquit) on a failure,
-- whose message is in DECKC_OUT as `error`.

local out = { steps = {} }
local TIMEOUT = 30000

local id -- the client's

-- Waits for `cond`; fails at once if the server went away (unless that is what is awaited).
local function wait(what, cond, exiting)
  local gone = false
  local ok = vim.wait(TIMEOUT, function()
    gone = not exiting and vim.lsp.get_client_by_id(id) == nil
    return gone or cond()
  end, 20)
  if gone then error('the server exited while waiting for ' .. what, 0) end
  if not ok then error('timed out after ' .. TIMEOUT .. ' ms waiting for ' .. what, 0) end
  table.insert(out.steps, what)
end

local function write_out()
  local f = assert(io.open(os.getenv('DECKC_OUT'), 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
end

local function main()
  local cmd = vim.fn.json_decode(os.getenv('DECKC_LSP_CMD'))
  local root = os.getenv('DECKC_ROOT')
  out.nvim = vim.version()

  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('DECKC_FILE')))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'markdown'

  local config = { name = 'deckc', cmd = cmd, root_dir = root }
  if vim.lsp.start then
    id = vim.lsp.start(config, { bufnr = buf })
  else
    id = vim.lsp.start_client(config)
    if id then vim.lsp.buf_attach_client(buf, id) end
  end
  if not id then error('the client did not start', 0) end

  local function find(code)
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == code then return d end
    end
  end
  local function snapshot()
    local list = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local lsp = d.user_data and d.user_data.lsp or {}
      table.insert(list, {
        code = d.code,
        source = d.source,
        severity = d.severity,
        message = d.message,
        lnum = d.lnum,
        col = d.col,
        end_lnum = d.end_lnum,
        end_col = d.end_col,
        related = lsp.relatedInformation,
      })
    end
    table.sort(list, function(a, b)
      return a.lnum < b.lnum or (a.lnum == b.lnum and tostring(a.code) < tostring(b.code))
    end)
    return list
  end
  local function text()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, true), '\n')
  end

  -- Diagnostics on open; the duplicate needs the root's other file read from disk.
  wait('diagnostics on open', function()
    return find('answer-closer') ~= nil and find('duplicate-question') ~= nil
  end)
  out.opened = snapshot()

  -- The code action menu, answered with the action titled `title`.
  local offered = {}
  local function pick(title)
    vim.ui.select = function(items, _, on_choice)
      local titles = {}
      for _, item in ipairs(items) do
        table.insert(titles, (item.action or item[2]).title)
      end
      table.insert(offered, titles)
      for i, item in ipairs(items) do
        if (item.action or item[2]).title == title then return on_choice(item, i) end
      end
      on_choice(nil, nil)
    end
  end
  local function act_on(code, title)
    local d = find(code)
    vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
    pick(title)
    local tick = vim.api.nvim_buf_get_changedtick(buf)
    vim.lsp.buf.code_action()
    wait("the buffer edited by '" .. title .. "'", function()
      return vim.api.nvim_buf_get_changedtick(buf) ~= tick
    end)
  end

  -- A quick fix: the closer on the first card.
  act_on('answer-closer', "Replace '??x' with 'x??'")
  out.after_quick_fix = text()
  wait('diagnostics after the quick fix', function()
    return find('answer-closer') == nil
  end)
  out.after_quick_fix_diagnostics = snapshot()

  -- Fix all in file: what is left to fix (the marker glued to math).
  act_on('glued-marker', 'Fix all deckc problems in this file')
  out.after_fix_all = text()
  wait('diagnostics after fix all', function()
    return find('glued-marker') == nil
  end)
  out.after_fix_all_diagnostics = snapshot()
  out.offered = offered

  -- Another file of the root edited outside the editor: its question is no longer a duplicate.
  -- (This client registers no file watchers, so the server watches the root itself.)
  local other = assert(io.open(os.getenv('DECKC_OTHER'), 'w'))
  other:write(os.getenv('DECKC_OTHER_TEXT'))
  other:close()
  wait('diagnostics after another file changed on disk', function()
    return find('duplicate-question') == nil
  end)
  out.after_disk_change_diagnostics = snapshot()

  local params = { textDocument = vim.lsp.util.make_text_document_params(buf) }
  local symbols = vim.lsp.buf_request_sync(buf, 'textDocument/documentSymbol', params, TIMEOUT)
  out.symbols = {}
  for _, response in pairs(symbols or {}) do
    for _, s in ipairs(response.result or {}) do
      table.insert(out.symbols, { name = s.name, detail = s.detail, line = s.range.start.line })
    end
  end
  params.position = { line = 9, character = 4 }
  local hovers = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, TIMEOUT)
  for _, response in pairs(hovers or {}) do
    if response.result then out.hover = response.result.contents end
  end

  -- shutdown, then exit: the client is gone once the server process ended.
  vim.lsp.stop_client(id)
  wait('the server to exit', function()
    return vim.lsp.get_client_by_id(id) == nil
  end, true)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then out.error = tostring(err) end
write_out()
if ok then vim.cmd('qall!') else vim.cmd('cquit') end
