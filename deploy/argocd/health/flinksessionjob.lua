-- ArgoCD health of a FlinkSessionJob run by weir (or FKO: same status fields).
local hs = {status = "Progressing", message = "Waiting for the operator"}
local st = obj.status
if st == nil then
  return hs
end

local function errorMessage(e)
  local m = string.match(e, '"message"%s*:%s*"(.-)"%s*[,}]') or e
  if string.len(m) > 300 then
    m = string.sub(m, 1, 300) .. "..."
  end
  return m
end

local err = st.error
if err ~= nil and err ~= "" and string.find(err, "ValidationException", 1, true) then
  hs.status = "Degraded"
  hs.message = "Spec rejected, the last valid spec keeps running: " .. errorMessage(err)
  return hs
end

local gen = obj.metadata.generation
if gen ~= nil and (st.observedGeneration == nil or st.observedGeneration < gen) then
  hs.message = "Spec generation " .. gen .. " not yet taken by the operator"
  return hs
end

if st.conditions ~= nil then
  for _, c in ipairs(st.conditions) do
    if c.type == "SessionClusterReady" and c.status == "False" then
      hs.message = c.message or "Waiting for the session cluster"
      return hs
    end
  end
end

local lifecycle = st.lifecycleState or ""
local job = ""
if st.jobStatus ~= nil and st.jobStatus.state ~= nil then
  job = st.jobStatus.state
end
if lifecycle == "SUSPENDED" then
  hs.status = "Suspended"
  hs.message = "Job suspended"
  return hs
end
if lifecycle == "FAILED" or job == "FAILED" then
  hs.status = "Degraded"
  hs.message = "Job failed"
  if err ~= nil and err ~= "" then
    local m = errorMessage(err)
    if string.sub(m, 1, 11) == "Job failed:" then
      hs.message = m -- the operator's own summary of Flink's exception
    else
      hs.message = "Job failed: " .. m
    end
  end
  return hs
end
if lifecycle == "ROLLED_BACK" then
  hs.status = "Degraded"
  hs.message = "Upgrade rolled back"
  return hs
end
if lifecycle == "STABLE" and (job == "RUNNING" or job == "FINISHED") then
  hs.status = "Healthy"
  hs.message = "Job " .. string.lower(job)
  return hs
end
if lifecycle == "STABLE" and (job == "RESTARTING" or job == "FAILING") then
  hs.status = "Degraded"
  hs.message = "Job is " .. job .. " (failing over)"
  return hs
end
hs.message = (lifecycle ~= "" and lifecycle or "Created") .. ", job " .. (job ~= "" and job or "not yet submitted")
if err ~= nil and err ~= "" then
  hs.message = hs.message .. "; last error: " .. errorMessage(err)
end
return hs
