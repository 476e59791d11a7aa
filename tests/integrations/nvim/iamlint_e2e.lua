-- Headless Neovim (0.7+) as a real LSP client of `iamlint lsp`.
-- Run: nvim --headless --clean -c 'luafile iamlint_e2e.lua'
-- Environment: IAMLINT_POLICY (file to open), IAMLINT_OUT (result lines),
-- IAMLINT_CMD (JSON list: the server command).
local policy = vim.env.IAMLINT_POLICY
local out = vim.env.IAMLINT_OUT
local cmd = vim.fn.json_decode(vim.env.IAMLINT_CMD)
local lines = {}
local function log(s) table.insert(lines, s) end
local function finish(ok)
  log(ok and 'RESULT ok' or 'RESULT fail')
  vim.fn.writefile(lines, out)
  vim.cmd('qa!')
end

local function code_of(d)
  if d.code then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code or '?'
end

local function iam306(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == 'IAM306' then table.insert(found, d) end
  end
  return found
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(policy))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = 'iamlint',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(policy, ':h'),
  })
  if not client_id then log('ERROR start_client failed'); return false end
  vim.lsp.buf_attach_client(bufnr, client_id)

  if not vim.wait(60000, function() return #iam306(bufnr) > 0 end, 50) then
    log('ERROR no IAM306 diagnostic')
    return false
  end
  local d = iam306(bufnr)[1]
  -- the diagnostic in LSP shape, as Neovim's own code_action() builds it
  local lsp_d
  for _, ld in ipairs(vim.lsp.diagnostic.get_line_diagnostics(bufnr, d.lnum)) do
    if ld.code == 'IAM306' then lsp_d = ld end
  end
  lsp_d = lsp_d or {
    range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
    message = d.message, severity = d.severity, code = code_of(d), source = d.source,
  }
  local user = d.user_data and d.user_data.lsp or {}
  local href = user.codeDescription and user.codeDescription.href or (lsp_d.codeDescription and lsp_d.codeDescription.href) or ''
  log(string.format('DIAG %s %d %d %d %d %s', code_of(d), d.lnum, d.col, d.end_lnum, d.end_col, href))

  -- fix the buffer with the server's quick fix, fill in the repository, save
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_d.range,
    context = { diagnostics = { lsp_d } },
  }
  local responses, req_err = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 20000)
  if req_err then log('REQUEST-ERROR ' .. tostring(req_err)) end
  responses = responses or {}
  local applied = false
  for _, resp in pairs(responses) do
    if resp.err then log('RESPONSE-ERROR ' .. vim.inspect(resp.err):gsub('\n', ' ')) end
    for _, action in ipairs(resp.result or {}) do
      log('ACTION ' .. action.title)
      if not applied and action.edit and action.title:find('sub condition', 1, true) then
        vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
        applied = true
      end
    end
  end
  if not applied then log('ERROR no sub quick fix'); return false end
  vim.cmd([[silent %s/OWNER\/REPO/octo-org\/deploy/]])
  vim.cmd('write')
  log('SAVED')
  if not vim.wait(30000, function() return #iam306(bufnr) == 0 end, 50) then
    log('ERROR IAM306 still reported after the fix')
    return false
  end
  log('CLEARED')
  return true
end)
if not ok then log('ERROR ' .. tostring(err)) end
finish(ok and err)
