-- Headless Neovim (0.7+) with the README's set-up (IAMLINT_SNIPPET: the Lua
-- block of the README, which starts `iamlint lsp` from PATH for JSON, YAML and
-- Terraform buffers).  A configuration file written behind the editor's back
-- (Neovim 0.7 watches no files for the server) must take effect at the next
-- save or change of the buffer, without restarting anything.
-- Environment: IAMLINT_SNIPPET, IAMLINT_POLICY (file to open), IAMLINT_OUT
-- (result lines).
local policy = vim.env.IAMLINT_POLICY
local out = vim.env.IAMLINT_OUT
local dir = vim.fn.fnamemodify(policy, ':h')
local lines = {}
local function log(s) table.insert(lines, s) end

local function code_of(d)
  if d.code then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code or '?'
end

local function count(bufnr, code)
  local n = 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if code_of(d) == code then n = n + 1 end
  end
  return n
end

local ok, err = pcall(function()
  vim.cmd('luafile ' .. vim.fn.fnameescape(vim.env.IAMLINT_SNIPPET))
  vim.cmd('edit ' .. vim.fn.fnameescape(policy))  -- FileType json: the snippet starts and attaches the server
  local bufnr = vim.api.nvim_get_current_buf()
  if not vim.wait(60000, function() return count(bufnr, 'IAM306') > 0 end, 50) then
    log('ERROR no IAM306 diagnostic')
    return false
  end
  log('REPORTED')

  -- a new .iamlint.toml, then :write the policy (didSave)
  vim.fn.writefile({ 'ignore = ["IAM306"]' }, dir .. '/.iamlint.toml')
  vim.cmd('write')
  if not vim.wait(30000, function() return count(bufnr, 'IAM306') == 0 end, 50) then
    log('ERROR IAM306 still reported after .iamlint.toml ignored it and the buffer was saved')
    return false
  end
  log('IGNORED')

  -- the .iamlint.toml goes, a pyproject.toml selects everything; then an
  -- unsaved edit of the buffer (didChange)
  vim.fn.delete(dir .. '/.iamlint.toml')
  vim.fn.writefile({ '[project]', 'name = "infra"', '', '[tool.iamlint]', 'select = ["ALL"]' },
                   dir .. '/pyproject.toml')
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { '' })
  if not vim.wait(30000, function() return count(bufnr, 'IAM306') > 0 end, 50) then
    log('ERROR IAM306 not reported again after pyproject.toml selected it and the buffer changed')
    return false
  end
  log('REPORTED AGAIN')
  return true
end)
if not ok then log('ERROR ' .. tostring(err)) end
log((ok and err) and 'RESULT ok' or 'RESULT fail')
vim.fn.writefile(lines, out)
vim.cmd('qa!')
