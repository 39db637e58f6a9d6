cd ~/src/platform
git status
git pull --rebase
glab auth login --hostname gitlab.com --token glpat-0l9XSI1HhWmt9EJBWyMN-V56YYBGl7OJlzlrl7.01.vtartburg
glab mr list --assignee=@me
glab ci status
curl -s "https://gitlab.com/dashboard/issues.atom?feed_token=glft-S_ED6RMlYFiCvNcLGVQS&assignee_username=jdoe" | head
vim .gitlab-ci.yml
git commit -am "ci: cache node_modules"
git push
