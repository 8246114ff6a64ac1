-- docs/man/man.lua: pandoc filter that turns a page of docs/ (markdown) into
-- a man page: NAME from the page's title, the other headings one level up,
-- links to other pages as man page names or installed paths. Metadata:
-- name (the page's name), whatis (its NAME line), datadir, docdir.

local meta_str = function(meta, key, default)
  local v = meta[key]
  if v == nil then return default end
  return pandoc.utils.stringify(v)
end

-- Where a link of docs/ or labs/ points once installed.
local function place(target, datadir, docdir)
  if target:match('^%a[%w+.-]*:') then return nil end        -- http:, mailto:
  local file = target:gsub('#.*$', '')
  if file == '' then return '' end                          -- #anchor: this page
  local base = file:match('([^/]+)$')
  if base == 'topology.md' then return 'umllab-topology(5)' end
  if base == 'checks.md' then return 'umllab-checks(5)' end
  if base == 'README.md' and not file:match('labs/') then return docdir .. '/README.md' end
  if file:match('labs/') or not file:match('/') and not file:match('%.md$') then
    return datadir .. '/labs/' .. base
  end
  return docdir .. '/docs/' .. base
end

function Pandoc(doc)
  local name = meta_str(doc.meta, 'name', 'umllab')
  local whatis = meta_str(doc.meta, 'whatis', nil)
  local datadir = meta_str(doc.meta, 'datadir', '/usr/share/umllab')
  local docdir = meta_str(doc.meta, 'docdir', '/usr/share/doc/umllab')

  local inline_fixes = {
    -- A pipe in a table's code is written \| in markdown; pandoc keeps the \.
    Code = function(c)
      c.text = c.text:gsub('\\|', '|')
      return c
    end,
    -- pandoc gives a table with long cells 70 columns of text, and tbl adds
    -- 3 between columns: too wide for an 80-column terminal. Give each
    -- column at least its longest word, the rest of a line of 70 as pandoc would.
    Table = function(t)
      local n = #t.colspecs
      local long = {}
      for i = 1, n do long[i] = 1 end
      local function scan(rows)
        for _, row in ipairs(rows) do
          for i, cell in ipairs(row.cells) do
            for w in pandoc.utils.stringify(cell.contents):gmatch('%S+') do
              if i <= n and utf8.len(w) + 1 > long[i] then long[i] = utf8.len(w) + 1 end
            end
          end
        end
      end
      scan(t.head.rows)
      for _, body in ipairs(t.bodies) do scan(body.body) end
      local total, rel = 0, 0
      for i = 1, n do
        total = total + long[i]
        rel = rel + (type(t.colspecs[i][2]) == 'number' and t.colspecs[i][2] or 0)
      end
      if rel == 0 then return nil end
      local spare = math.max(0, 70 - 3 * (n - 1) - total)
      for i, spec in ipairs(t.colspecs) do
        local w = type(spec[2]) == 'number' and spec[2] or 0
        t.colspecs[i] = { spec[1], (long[i] + spare * w / rel) / 70 }
      end
      -- Left-aligned cells: justified text in a narrow column makes groff
      -- warn that it cannot adjust the line.
      return { pandoc.RawBlock('man', '.ad l'), t, pandoc.RawBlock('man', '.ad b') }
    end,
    Link = function(l)
      local to = place(l.target, datadir, docdir)
      if to == nil then return nil end
      local text = pandoc.utils.stringify(l.content)
      if to == '' or text == to then return l.content end
      -- [checks.md](checks.md) says umllab-checks(5); [labs/x.md](...) its path.
      if text:match('%.md$') or text:match('%.yaml$') then
        if to:match('%(%d%)$') then return pandoc.Strong({ pandoc.Str(to) }) end
        return pandoc.Code(to)
      end
      local out = l.content
      out:insert(pandoc.Str(' (' .. to .. ')'))
      return out
    end
  }

  -- No hyphens: names like UMLLAB_STATE_DIR must read as they are typed.
  local blocks = pandoc.List({ pandoc.RawBlock('man', '.nh') })
  local seen_title = false
  local skip_level = nil
  for k, b in ipairs(doc.blocks) do
    if b.t == 'Header' then
      local text = pandoc.utils.stringify(b.content)
      if skip_level ~= nil and b.level <= skip_level then skip_level = nil end
      if skip_level == nil and text == 'For programmers' then skip_level = b.level end
      if skip_level == nil then
        if b.level == 1 and not seen_title then
          seen_title = true
          blocks:insert(pandoc.Header(1, 'NAME'))
          blocks:insert(pandoc.Para({ pandoc.Str(name .. ' - ' .. (whatis or text)) }))
          -- A page that starts with its own sections (SYNOPSIS) needs none here.
          local next = doc.blocks[k + 1]
          if next == nil or next.t ~= 'Header' then
            blocks:insert(pandoc.Header(1, 'DESCRIPTION'))
          end
        else
          blocks:insert(pandoc.Header(math.max(1, b.level - 1), b.content, b.attr))
        end
      end
    elseif skip_level == nil then
      blocks:insert(b)
    end
  end
  doc.blocks = pandoc.walk_block(pandoc.Div(blocks), inline_fixes).content
  return doc
end
