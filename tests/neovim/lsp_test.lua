-- Headless Neovim as the LSP client (its built-in client; 0.7 has vim.lsp.start_client, not vim.lsp.start).
-- Steps a user of another editor takes: open a procedure, see the = NULL diagnostic, see the
-- code lenses, apply the quick fix, and see the diagnostic go away. Exits non-zero on failure.

local dll = os.getenv('ETL_AGENT_SERVER_DLL')
local root = os.getenv('ETL_AGENT_WORKSPACE')
local file = root .. '/procs/LoadCustomer.sql'

local function log(msg)
  io.stdout:write('[nvim] ' .. msg .. '\n')
end

local function fail(msg)
  io.stderr:write('[nvim] FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local published = {} -- uri -> last publishDiagnostics params

local function run()
  local client_id = vim.lsp.start_client({
    name = 'etl-agent',
    cmd = { 'dotnet', dll },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = 'lsp' } },
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        published[result.uri] = result
        return vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
      end,
    },
  })
  if not client_id then return fail('the server did not start') end

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'sql'
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  if not vim.wait(20000, function() return client.initialized end, 50) then return fail('initialize did not finish') end
  log('initialized: ' .. client.name)
  local uri = vim.uri_from_bufnr(bufnr)

  local function etl0007()
    local p = published[uri]
    if not p then return nil end
    for _, d in ipairs(p.diagnostics) do
      if d.code == 'ETL0007' then return d end
    end
    return nil
  end

  -- 1. diagnostics
  if not vim.wait(30000, function() return etl0007() ~= nil end, 50) then return fail('no ETL0007 diagnostic for ' .. uri) end
  local diagnostic = etl0007()
  log(string.format('diagnostic %s at %d:%d: %s', diagnostic.code, diagnostic.range.start.line + 1, diagnostic.range.start.character + 1, diagnostic.message))
  if diagnostic.range.start.line ~= 9 then return fail('ETL0007 expected on line 10') end
  if #vim.diagnostic.get(bufnr) == 0 then return fail('neovim shows no diagnostics') end

  -- 2. code lenses, the way :lua vim.lsp.codelens.refresh() shows them
  vim.lsp.codelens.refresh()
  if not vim.wait(10000, function() return #vim.lsp.codelens.get(bufnr) > 0 end, 50) then return fail('no code lenses') end
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    table.insert(titles, lens.command.title)
  end
  log('code lenses: ' .. table.concat(titles, ' | '))
  if not vim.tbl_contains(titles, 'reads 2 tables · writes 1 table') then return fail('lineage lens missing') end

  -- 3. the quick fix
  local response = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = diagnostic.range,
    context = { diagnostics = { diagnostic } },
  }, 10000, bufnr)
  if not response or response.err then return fail('codeAction failed: ' .. vim.inspect(response)) end
  local fix
  for _, action in ipairs(response.result or {}) do
    if action.kind == 'quickfix' then fix = action break end
  end
  if not fix then return fail('no quick fix offered: ' .. vim.inspect(response.result)) end
  log('applying: ' .. fix.title)
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding or 'utf-16')
  local line = vim.api.nvim_buf_get_lines(bufnr, 9, 10, false)[1]
  log('line 10 is now: ' .. line)
  if not line:find('IS NULL', 1, true) then return fail('the edit was not applied') end

  -- 4. the diagnostic goes away once the server re-checks the edited buffer
  local version = vim.lsp.util.buf_versions[bufnr]
  if not vim.wait(20000, function()
    local p = published[uri]
    return p ~= nil and p.version == version and etl0007() == nil
  end, 50) then return fail('ETL0007 still reported after the fix (version ' .. tostring(version) .. ')') end
  log('diagnostic gone after the fix (version ' .. version .. ')')

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
  log('passed')
  vim.cmd('qall!')
end

local ok, err = pcall(run)
if not ok then fail(tostring(err)) end
