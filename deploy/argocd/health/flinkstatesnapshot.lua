-- ArgoCD health of a FlinkStateSnapshot (a savepoint or checkpoint taken by the operator).
local hs = {status = "Progressing", message = "Waiting for the operator"}
local st = obj.status
if st == nil or st.state == nil then
  return hs
end
if st.state == "COMPLETED" then
  hs.status = "Healthy"
  hs.message = "Completed"
  if st.path ~= nil and st.path ~= "" then
    hs.message = "Completed: " .. st.path
  end
elseif st.state == "FAILED" or st.state == "ABANDONED" then
  hs.status = "Degraded"
  hs.message = st.state
  if st.error ~= nil and st.error ~= "" then
    hs.message = st.state .. ": " .. st.error
  end
else
  hs.message = st.state
end
return hs
