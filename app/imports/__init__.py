"""Bringing a community in from elsewhere: WordPress and Disqus exports."""
