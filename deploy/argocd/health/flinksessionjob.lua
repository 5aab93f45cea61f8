-- ArgoCD health of a FlinkSessionJob run by weir (or FKO: same status fields).
-- errorMessage, failedMessage and specHealth come from job_common.lua.
local pre = specHealth(obj)
if pre ~= nil then
  return pre
end
local hs = {status = "Progressing", message = "Waiting for the operator"}
local st = obj.status
local err = st.error

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
  hs.message = failedMessage(err)
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
