print("zhiben")
